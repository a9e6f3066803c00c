"""Single sign-on: a provider has proved who someone is; decide which account that is.

An account is found by the provider's `(issuer, subject)`, which never changes and never moves
to another person. The first time an identity is seen, a verified email links it to the account
with that address, but only when that account has no single sign-on identity yet (a second
provider asserting the same address, or an address reassigned at the provider, does not get
it); an unknown address follows the sign-up policy. Each sign-in refreshes the profile fields
that are still empty and the group memberships the provider's claim mapping decides."""

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal import events
from portal.audit import service as audit
from portal.auth.models import SsoIdentity, SsoProvider
from portal.auth.service.accounts import create_user, find_user_by_email, normalize_email
from portal.auth.service.invitations import close_open_invitations
from portal.auth.service.signin import AccountNotActive
from portal.auth.service.signup import notify_approvers
from portal.clock import utcnow
from portal.errors import PortalError
from portal.i18n import N_
from portal.people.models import Group, GroupMember, Role, User, UserStatus
from portal.people.service import join_groups
from portal.program import service as program
from portal.program.service import SignupMode

# The same words as password sign-in (signin.authenticate); a test keeps them in step.
NOT_ACTIVE = {
    UserStatus.SUSPENDED: "This account is suspended. Contact the program team.",
    UserStatus.PENDING: "Your sign-up is waiting for approval. "
    "We'll email you as soon as it is approved.",
}
LINKED = "user.sso_linked"


@dataclass(frozen=True)
class Assertion:
    """What the provider said about the person (ID token claims, completed from UserInfo)."""

    issuer: str
    subject: str
    email: str = ""
    email_verified: bool = False
    name: str = ""
    company: str = ""
    job_title: str = ""
    groups: frozenset[str] | None = None  # None: the provider sent no group claim


@dataclass(frozen=True)
class SsoSignIn:
    user: User
    linked: bool  # this sign-in linked the identity to an existing account by its email


class EmailNotVerified(PortalError):
    status_code = 403
    message = N_(
        "Your sign-in provider did not give us a confirmed email address, so we can't sign you "
        "in with it. Confirm your email with the provider, or sign in with your password."
    )


class NoAccountForEmail(PortalError):
    status_code = 403

    def __init__(self, email: str) -> None:
        super().__init__(
            f"There is no account for {email}. Ask the program team for an invitation."
        )


class DomainNotAllowed(PortalError):
    status_code = 403

    def __init__(self, provider: str) -> None:
        super().__init__(
            f"{provider} signs in addresses of other domains only. Use another way to sign in."
        )


class RoleNotAllowed(PortalError):
    status_code = 403

    def __init__(self, provider: str) -> None:
        super().__init__(
            f"Your account can't sign in with {provider}. Use another way to sign in, or ask "
            "the program team."
        )


class LinkedElsewhere(PortalError):
    status_code = 403
    message = N_(
        "The account for this email address is already linked to another single sign-on "
        "account, so we won't link a second one by email. Sign in the way you did before, or "
        "with your password, and ask the program team if this is unexpected."
    )


def email_verified(provider: SsoProvider, email: str, *, claimed: bool) -> bool:
    """The provider's `email_verified`, or an address at a domain it is authoritative for
    (Entra ID sends no `email_verified` for its organisations' own addresses)."""
    domain = email.rpartition("@")[2]
    return claimed or (bool(domain) and domain in provider.authoritative_domain_list)


async def sso_sign_in(
    session: AsyncSession, *, provider: SsoProvider, assertion: Assertion
) -> SsoSignIn:
    """The user the provider's assertion signs in as.

    A pending user is returned, not raised, when the sign-up policy asks for approval: the new
    account must be saved, and the caller tells the person to wait."""
    email = normalize_email(assertion.email)
    domains = provider.allowed_domain_list
    if domains and email.rpartition("@")[2] not in domains:
        raise DomainNotAllowed(provider.name)
    identity = await session.scalar(
        select(SsoIdentity).where(
            SsoIdentity.issuer == assertion.issuer, SsoIdentity.subject == assertion.subject
        )
    )
    linked = False
    if identity is not None:
        user = await session.get_one(
            User, identity.user_id, options=[selectinload(User.roles)], populate_existing=True
        )
    else:
        if not email or not email_verified(provider, email, claimed=assertion.email_verified):
            raise EmailNotVerified()
        found = await find_user_by_email(session, email)
        if found is None:
            user = await _join(session, provider=provider, email=email, assertion=assertion)
            _link(session, user, provider, assertion, email)
            await _apply_claims(session, user, provider, assertion)
            await session.flush()
            return SsoSignIn(user=user, linked=False)
        user = found
        linked = True
    if user.status in NOT_ACTIVE:
        raise AccountNotActive(NOT_ACTIVE[user.status])
    if not user.role_set <= provider.role_set:
        raise RoleNotAllowed(provider.name)
    if identity is None:
        await _link_by_email(session, user, provider, assertion, email)
    else:
        identity.last_used_at = utcnow()
    if user.status == UserStatus.INVITED:
        await _accept_invitations(session, user)
    await _apply_claims(session, user, provider, assertion)
    now = utcnow()
    user.record_login(now)
    user.last_seen_at = now
    if user.sso_signed_in_at is None:
        user.sso_signed_in_at = now
        await session.flush()
        await events.publish(session, events.SignedInWithSso(user_id=user.id))
    await session.flush()
    return SsoSignIn(user=user, linked=linked)


async def identities_of(session: AsyncSession, user: User) -> list[SsoIdentity]:
    """The single sign-on accounts linked to this person, oldest first (their profile page)."""
    rows = await session.scalars(
        select(SsoIdentity)
        .options(selectinload(SsoIdentity.provider))
        .where(SsoIdentity.user_id == user.id)
        .order_by(SsoIdentity.created_at, SsoIdentity.id)
    )
    return list(rows)


def _link(
    session: AsyncSession, user: User, provider: SsoProvider, assertion: Assertion, email: str
) -> None:
    session.add(
        SsoIdentity(
            user_id=user.id,
            provider_id=provider.id,
            issuer=assertion.issuer,
            subject=assertion.subject,
            email=email,
        )
    )


async def _link_by_email(
    session: AsyncSession, user: User, provider: SsoProvider, assertion: Assertion, email: str
) -> None:
    """Only an account without any single sign-on identity is linked by its email; logged."""
    other = await session.scalar(
        select(SsoIdentity.id).where(SsoIdentity.user_id == user.id).limit(1)
    )
    if other is not None:
        raise LinkedElsewhere()
    _link(session, user, provider, assertion, email)
    await audit.record(
        session,
        actor=user,
        action=LINKED,
        target_type="user",
        target_id=user.id,
        summary=f"{user.email} linked to {provider.name} by their verified email "
        f"(subject {assertion.subject[:60]})",
        after={"provider_id": provider.id, "issuer": assertion.issuer},
    )


async def _join(
    session: AsyncSession, *, provider: SsoProvider, email: str, assertion: Assertion
) -> User:
    config = await program.load(session)
    if config.signup_mode == SignupMode.CLOSED:
        raise NoAccountForEmail(email)
    if Role.ADVOCATE not in provider.role_set:
        raise RoleNotAllowed(provider.name)
    needs_approval = config.signup_mode == SignupMode.APPROVAL
    user = await create_user(
        session,
        email=email,
        display_name=(assertion.name.strip() or email.split("@")[0])[:120],
        roles=[Role.ADVOCATE],
        status=UserStatus.PENDING if needs_approval else UserStatus.ACTIVE,
        password=None,
    )
    await audit.record(
        session,
        actor=user,
        action="user.signed_up",
        target_type="user",
        target_id=user.id,
        summary=f"{user.email} signed up with single sign-on ({provider.name})"
        + (" (waiting for approval)" if needs_approval else ""),
    )
    user.sso_signed_in_at = utcnow()
    if needs_approval:
        await notify_approvers(session, applicant=user)
    else:
        now = utcnow()
        user.record_login(now)
        user.last_seen_at = now
        await events.publish(session, events.AdvocateJoined(user_id=user.id))
    return user


async def _accept_invitations(session: AsyncSession, user: User) -> None:
    """The provider proved the invited email, which is what the invitation link would prove."""
    await close_open_invitations(session, user, accepted=True)
    user.status = UserStatus.ACTIVE
    await audit.record(
        session,
        actor=user,
        action="user.invitation_accepted",
        target_type="user",
        target_id=user.id,
        summary=f"{user.email} accepted the invitation with single sign-on",
    )
    await events.publish(session, events.AdvocateJoined(user_id=user.id))


async def _apply_claims(
    session: AsyncSession, user: User, provider: SsoProvider, assertion: Assertion
) -> None:
    """Just-in-time profile: the provider fills the fields the person left empty; and the
    groups mapped from its group claim follow the directory (joined when the claim has the
    value, left when it no longer has it). No group claim at all changes no membership."""
    if not user.company and assertion.company:
        user.company = assertion.company[:200]
    if not user.job_title and assertion.job_title:
        user.job_title = assertion.job_title[:200]
    if assertion.groups is None or not provider.group_claim:
        return
    mapped = [(str(row["value"]), int(row["group_id"])) for row in provider.group_map]
    if not mapped:
        return
    static = set(
        await session.scalars(
            select(Group.id).where(
                Group.id.in_({gid for _, gid in mapped}), Group.is_dynamic.is_(False)
            )
        )
    )
    wanted = {gid for value, gid in mapped if gid in static and value in assertion.groups}
    await join_groups(session, user_id=user.id, group_ids=wanted)
    gone = static - wanted
    if gone:
        await session.execute(
            delete(GroupMember)
            .where(GroupMember.user_id == user.id, GroupMember.group_id.in_(gone))
            .execution_options(synchronize_session=False)
        )
