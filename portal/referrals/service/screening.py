"""Lead qualification and fraud flags, decided when a referral arrives. Flags ask a person to
look; they never reject anything on their own."""

import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from difflib import SequenceMatcher

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import utcnow
from portal.errors import PortalError
from portal.guard.disposable import is_disposable
from portal.i18n import N_
from portal.people.models import Role, User, UserRole, UserSession
from portal.program import service as program
from portal.program.service import DisposableEmails
from portal.referrals.models import Flag, Referral
from portal.referrals.service.config import ReferralSettings

ADDRESS_WINDOW = timedelta(hours=24)
ADDRESS_LIMIT = 3  # the fourth landing-page sign-up from one address within a day is flagged
SHARED_DOMAIN_WINDOW = timedelta(days=7)
SHARED_DOMAIN_LIMIT = 2  # the third prospect at one company from one advocate in a week
SIMILAR_NAME_RATIO = 0.85  # difflib's ratio between the two names, case and accents aside
SIGN_IN_WINDOW = timedelta(days=30)  # sign-in addresses compared with the landing form's


class DisposableAddress(PortalError):
    status_code = 422
    message = N_(
        "That looks like a throw-away email address. Please use a work email address so we "
        "can get in touch."
    )


@dataclass(frozen=True)
class Screening:
    is_qualified_lead: bool
    flags: list[Flag]
    owner: User | None


def domain_of(email: str) -> str:
    return email.rpartition("@")[2].lower()


def _in(domain: str, domains: frozenset[str]) -> bool:
    return any(domain == d or domain.endswith("." + d) for d in domains)


def _comparable(name: str) -> str:
    letters = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(c for c in letters if c.isalnum() or c.isspace()).split())


def names_alike(one: str, other: str) -> bool:
    a, b = _comparable(one), _comparable(other)
    return bool(a and b) and SequenceMatcher(None, a, b).ratio() >= SIMILAR_NAME_RATIO


async def _count(session: AsyncSession, *conditions: ColumnElement[bool]) -> int:
    return int(
        await session.scalar(select(func.count()).select_from(Referral).where(*conditions)) or 0
    )


async def screen(
    session: AsyncSession,
    *,
    referrer: User,
    email: str,
    name: str,
    company: str,
    client_key: str | None,
    config: ReferralSettings,
) -> Screening:
    """Qualification, routing and the fraud flags (each flag says why in its label).
    Raises DisposableAddress when the program refuses throw-away addresses."""
    domain = domain_of(email)
    flags: list[Flag] = []
    if is_disposable(email):
        if (await program.load_once(session)).disposable_emails == DisposableEmails.REFUSE:
            raise DisposableAddress()
        flags.append(Flag.DISPOSABLE)
    free_mail = _in(domain, config.free_mail_domain_set)
    if free_mail:
        flags.append(Flag.FREE_MAIL)
    targets = config.target_domain_set
    qualified = not free_mail and (not targets or _in(domain, targets))
    if not free_mail and domain == domain_of(referrer.email):
        flags.append(Flag.OWN_COMPANY)
    now = utcnow()
    mine = Referral.referrer_id == referrer.id
    burst_since = now - timedelta(minutes=config.burst_minutes)
    if await _count(session, mine, Referral.created_at >= burst_since) >= config.burst_limit:
        flags.append(Flag.BURST)
    if not free_mail and Flag.DISPOSABLE not in flags:
        shared = await _count(
            session,
            mine,
            Referral.prospect_email.endswith("@" + domain),
            Referral.created_at >= now - SHARED_DOMAIN_WINDOW,
        )
        if shared >= SHARED_DOMAIN_LIMIT:
            flags.append(Flag.SHARED_DOMAIN)
    if names_alike(name, referrer.display_name):
        flags.append(Flag.SIMILAR_NAME)
    if client_key is not None:
        same_address = Referral.client_key == client_key
        if await _count(session, same_address, Referral.created_at >= now - ADDRESS_WINDOW) >= (
            ADDRESS_LIMIT
        ):
            flags.append(Flag.SAME_ADDRESS)
        if await _signs_in_from(session, referrer=referrer, client_key=client_key):
            flags.append(Flag.REFERRER_ADDRESS)
    return Screening(
        is_qualified_lead=qualified,
        flags=flags,
        owner=await _routed_owner(session, domain=domain, company=company, config=config),
    )


async def _signs_in_from(session: AsyncSession, *, referrer: User, client_key: str) -> bool:
    """Whether the referrer signed in from the address the landing form was sent from: the
    advocate filling in their own link's form as a "prospect"."""
    found = await session.scalar(
        select(UserSession.id)
        .where(
            UserSession.user_id == referrer.id,
            UserSession.client_key == client_key,
            UserSession.last_seen_at >= utcnow() - SIGN_IN_WINDOW,
        )
        .limit(1)
    )
    return found is not None


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
