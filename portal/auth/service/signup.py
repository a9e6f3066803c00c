"""Open sign-up: a stranger joins as an advocate, at once or after a marketer approves them;
a throw-away address is refused or held for approval, as the program's settings say."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import events, links
from portal.audit import service as audit
from portal.auth.service.accounts import change_status, create_user, find_user_by_email
from portal.auth.service.links import queue_password_reset
from portal.auth.service.passwords import check_password_strength, hash_password
from portal.errors import Conflict, PortalError
from portal.guard.disposable import is_disposable
from portal.i18n import N_
from portal.outbox import service as outbox
from portal.people import fields
from portal.people.models import Role, User, UserRole, UserStatus
from portal.program import service as program
from portal.program.service import DisposableEmails, SignupMode


class SignupClosed(PortalError):
    status_code = 404
    message = N_("Sign-up is by invitation only.")


class DisposableEmail(PortalError):
    status_code = 422
    message = N_("Please sign up with your work email address, not a throw-away one.")


def waits_for_approval(config: program.ProgramConfig, email: str, *, invited: bool = False) -> bool:
    """Whether a sign-up with this address waits for a marketer: decided by the settings and
    the address's domain only, never by whether the address has an account. A peer invited by
    an advocate's link may sign up while sign-up is closed, and then waits."""
    if invited and config.signup_mode == SignupMode.CLOSED:
        return True
    return config.signup_mode == SignupMode.APPROVAL or is_disposable(email)


async def sign_up(
    session: AsyncSession,
    *,
    email: str,
    display_name: str,
    password: str,
    company: str,
    job_title: str,
    answers: dict[int, str] | None = None,
    recruiter_code: str = "",
) -> User | None:
    """A new advocate joins through open sign-up: active (and welcomed by email, to sign in),
    or pending approval.

    A throw-away address is refused, or its sign-up waits for approval even when sign-up is
    open (the settings choose). An address that has an account gets None, and an email (the
    forgot-password one, saying they already have an account): the page does not tell who is
    a member. `answers` are to the profile fields sign-up asks (id → value, already checked).
    `recruiter_code` is the personal code of the advocate whose invitation link they followed."""
    config = await program.load(session)
    if config.signup_mode == SignupMode.CLOSED and not recruiter_code:
        raise SignupClosed()
    check_password_strength(password, email=email)
    if is_disposable(email) and config.disposable_emails == DisposableEmails.REFUSE:
        raise DisposableEmail()
    if await find_user_by_email(session, email) is not None:
        await hash_password(password)  # costs what a new account's hash costs
        queue_password_reset(session, email=email, signing_up=True)
        return None
    needs_approval = waits_for_approval(config, email, invited=bool(recruiter_code))
    user = await create_user(
        session,
        email=email,
        display_name=display_name,
        password=password,
        company=company,
        job_title=job_title,
        roles=[Role.ADVOCATE],
        status=UserStatus.PENDING if needs_approval else UserStatus.ACTIVE,
    )
    await fields.save_answers(session, user=user, answers=answers or {})
    if recruiter_code:  # before the join is announced: the recruiter's join bonus needs it
        await events.publish(
            session, events.RecruitSignedUp(user_id=user.id, recruiter_code=recruiter_code)
        )
    await audit.record(
        session,
        actor=user,
        action="user.signed_up",
        target_type="user",
        target_id=user.id,
        summary=f"{user.email} signed up" + (" (waiting for approval)" if needs_approval else ""),
    )
    if needs_approval:
        await notify_approvers(session, applicant=user)
    else:
        # Not signed in here: the page must read the same as for an address that has an
        # account, so the welcome email says the account is ready and links to sign-in.
        await _welcome(session, user, approved=False)
        await events.publish(session, events.AdvocateJoined(user_id=user.id))
    return user


async def notify_approvers(session: AsyncSession, *, applicant: User) -> None:
    """Emails every active marketer and admin that a sign-up is waiting for their approval."""
    approvers = await session.scalars(
        select(User).where(
            User.status == UserStatus.ACTIVE,
            User.roles.any(UserRole.role.in_([Role.MARKETER, Role.ADMIN])),
        )
    )
    for approver in approvers:
        await outbox.queue_email(
            session,
            to=approver.email,
            user_id=approver.id,
            kind="signup_pending",
            context={
                "name": approver.display_name,
                "applicant": applicant.display_name,
                "applicant_email": applicant.email,
                "company": applicant.company,
                "link": links.absolute_url("people:list") + "?status=pending",
            },
        )


async def approve_signup(session: AsyncSession, *, actor: User, user: User) -> User:
    if user.status != UserStatus.PENDING:
        raise Conflict(N_("This sign-up was already handled."))
    await change_status(
        session, actor=actor, user=user, status=UserStatus.ACTIVE, action="user.signup_approved"
    )
    await _welcome(session, user, approved=True)
    await events.publish(session, events.AdvocateJoined(user_id=user.id))
    return user


async def _welcome(session: AsyncSession, user: User, *, approved: bool) -> None:
    """The email that tells a new advocate their account is ready, with the sign-in link."""
    await outbox.queue_email(
        session,
        to=user.email,
        user_id=user.id,
        kind="signup_approved",
        context={
            "name": user.display_name,
            "link": links.absolute_url("auth:login"),
            "approved": approved,
        },
    )
