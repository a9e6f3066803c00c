"""Lead qualification and fraud flags, decided when a referral arrives. Flags ask a person to
look; they never reject anything on their own."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import utcnow
from portal.people.models import Role, User, UserRole
from portal.referrals.models import Flag, Referral
from portal.referrals.service.config import ReferralSettings

BURST_WINDOW = timedelta(hours=24)
BURST_LIMIT = 5  # the sixth referral from one advocate within a day is flagged
ADDRESS_LIMIT = 3  # the fourth landing-page sign-up from one address within a day is flagged


@dataclass(frozen=True)
class Screening:
    is_qualified_lead: bool
    flags: list[Flag]
    owner: User | None


def domain_of(email: str) -> str:
    return email.rpartition("@")[2].lower()


def _in(domain: str, domains: frozenset[str]) -> bool:
    return any(domain == d or domain.endswith("." + d) for d in domains)


async def screen(
    session: AsyncSession,
    *,
    referrer: User,
    email: str,
    company: str,
    client_key: str | None,
    config: ReferralSettings,
) -> Screening:
    domain = domain_of(email)
    flags: list[Flag] = []
    free_mail = _in(domain, config.free_mail_domain_set)
    if free_mail:
        flags.append(Flag.FREE_MAIL)
    targets = config.target_domain_set
    qualified = not free_mail and (not targets or _in(domain, targets))
    if not free_mail and domain == domain_of(referrer.email):
        flags.append(Flag.OWN_COMPANY)
    since = utcnow() - BURST_WINDOW
    recent = await session.scalar(
        select(func.count())
        .select_from(Referral)
        .where(Referral.referrer_id == referrer.id, Referral.created_at >= since)
    )
    if (recent or 0) >= BURST_LIMIT:
        flags.append(Flag.BURST)
    if client_key is not None:
        same_address = await session.scalar(
            select(func.count())
            .select_from(Referral)
            .where(Referral.client_key == client_key, Referral.created_at >= since)
        )
        if (same_address or 0) >= ADDRESS_LIMIT:
            flags.append(Flag.SAME_ADDRESS)
    return Screening(
        is_qualified_lead=qualified,
        flags=flags,
        owner=await _routed_owner(session, domain=domain, company=company, config=config),
    )


async def _routed_owner(
    session: AsyncSession, *, domain: str, company: str, config: ReferralSettings
) -> User | None:
    for match, rep_email in config.routes():
        if match in (domain, company.strip().lower()) or domain.endswith("." + match):
            return await session.scalar(
                select(User)
                .join(UserRole, UserRole.user_id == User.id)
                .where(User.email == rep_email, UserRole.role.in_([Role.SALES, Role.ADMIN]))
                .limit(1)
            )
    return None
