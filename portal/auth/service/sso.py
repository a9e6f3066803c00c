"""Single sign-on: the provider has proved who someone is; decide which account that is.

Accounts are linked by verified email (there is no stored provider subject): the first SSO
sign-in of a known email links to that user, an unknown email follows the sign-up policy."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import events
from portal.audit import service as audit
from portal.audit.models import AuditEntry
from portal.auth.service.accounts import create_user, find_user_by_email, normalize_email
from portal.auth.service.invitations import close_open_invitations
from portal.auth.service.signin import AccountNotActive
from portal.auth.service.signup import notify_approvers
from portal.clock import utcnow
from portal.errors import PortalError
from portal.people.models import Role, User, UserStatus
from portal.program import service as program
from portal.program.service import SignupMode

# The same words as password sign-in (signin.authenticate); a test keeps them in step.
NOT_ACTIVE = {
    UserStatus.SUSPENDED: "This account is suspended. Contact the program team.",
    UserStatus.PENDING: "Your sign-up is waiting for approval. "
    "We'll email you as soon as it is approved.",
}
LINKED = "user.sso_linked"


class EmailNotVerified(PortalError):
    status_code = 403
    message = (
        "Your sign-in provider did not give us a confirmed email address, so we can't sign you "
        "in with it. Confirm your email with the provider, or sign in with your password."
    )


class NoAccountForEmail(PortalError):
    status_code = 403

    def __init__(self, email: str) -> None:
        super().__init__(
            f"There is no account for {email}. Ask the program team for an invitation."
        )


async def sso_sign_in(
    session: AsyncSession, *, email: str, email_verified: bool, name: str
) -> User:
    """The user a verified email from the provider signs in as.

    A pending user is returned, not raised, when the sign-up policy asks for approval: the new
    account must be saved, and the caller tells the person to wait."""
    email = normalize_email(email)
    if not email or not email_verified:
        raise EmailNotVerified()
    user = await find_user_by_email(session, email)
    if user is None:
        return await _join(session, email=email, name=name)
    if user.status in NOT_ACTIVE:
        raise AccountNotActive(NOT_ACTIVE[user.status])
    if user.status == UserStatus.INVITED:
        await _accept_invitations(session, user)
    elif user.password_hash is not None and not await _linked(session, user):
        await audit.record(
            session,
            actor=user,
            action=LINKED,
            target_type="user",
            target_id=user.id,
            summary=f"{user.email} signed in with single sign-on for the first time",
        )
    now = utcnow()
    user.record_login(now)
    user.last_seen_at = now
    if user.sso_signed_in_at is None:
        user.sso_signed_in_at = now
        await session.flush()
        await events.publish(session, events.SignedInWithSso(user_id=user.id))
    await session.flush()
    return user


async def _join(session: AsyncSession, *, email: str, name: str) -> User:
    config = await program.load(session)
    if config.signup_mode == SignupMode.CLOSED:
        raise NoAccountForEmail(email)
    needs_approval = config.signup_mode == SignupMode.APPROVAL
    user = await create_user(
        session,
        email=email,
        display_name=(name.strip() or email.split("@")[0])[:120],
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
        summary=f"{user.email} signed up with single sign-on"
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
    await session.flush()
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


async def _linked(session: AsyncSession, user: User) -> bool:
    """Whether this password account has signed in with SSO before (recorded once, in the log)."""
    found = await session.scalar(
        select(AuditEntry.id)
        .where(
            AuditEntry.target_type == "user",
            AuditEntry.target_id == user.id,
            AuditEntry.action == LINKED,
        )
        .limit(1)
    )
    return found is not None
