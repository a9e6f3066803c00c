"""Emailed links: invitations (7 days) and password resets (1 hour)."""

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal import events, links
from portal.audit import service as audit
from portal.auth.models import Invitation, PasswordReset
from portal.auth.service.accounts import (
    AlreadyMember,
    check_may_manage,
    create_user,
    find_user_by_email,
    normalize_email,
    unused_referral_codes,
)
from portal.auth.service.invitations import close_open_invitations
from portal.auth.service.passwords import check_password_strength, hash_password
from portal.clock import utcnow
from portal.errors import Forbidden, PortalError
from portal.i18n import N_, gettext
from portal.jobs import enqueue
from portal.outbox import bulk as outbox_bulk
from portal.outbox import service as outbox
from portal.people import sessions
from portal.people.models import Role, User, UserRole, UserStatus
from portal.points import service as points
from portal.program import service as program
from portal.tokens import hash_token, new_token, same_hash

INVITATION_LIFETIME = timedelta(days=7)
RESET_LIFETIME = timedelta(hours=1)
INVITATION_REMINDER_AFTER = timedelta(days=3)


class LinkProblem(StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"


class InvalidLink(PortalError):
    status_code = 410

    def __init__(self, problem: LinkProblem, what: str) -> None:
        self.problem = problem
        self.what = what
        super().__init__(
            {
                LinkProblem.UNKNOWN: f"This {what} link is not valid. Check that you copied "
                "the whole link from the email.",
                LinkProblem.EXPIRED: f"This {what} link has expired.",
                LinkProblem.USED: f"This {what} link has already been used.",
            }[problem]
        )


async def invite(
    session: AsyncSession,
    *,
    inviter: User,
    email: str,
    display_name: str,
    roles: Iterable[Role],
) -> Invitation:
    """Invites a new person, or sends an invited person a fresh link (older links stop working)."""
    roles = set(roles) or {Role.ADVOCATE}
    if Role.ADMIN in roles and not inviter.has_role(Role.ADMIN):
        raise Forbidden(N_("Only an admin can invite another admin."))
    user = await find_user_by_email(session, email)
    if user is None:
        user = await create_user(
            session, email=email, display_name=display_name, roles=roles, status=UserStatus.INVITED
        )
    elif user.status != UserStatus.INVITED:
        raise AlreadyMember(gettext("%(email)s already has an account.") % {"email": user.email})
    else:
        check_may_manage(actor=inviter, user=user)
        user.display_name = display_name.strip() or user.display_name
        user.roles = [r for r in user.roles if r.role in roles] + [
            UserRole(role=role) for role in sorted(roles - user.role_set)
        ]
        await close_open_invitations(session, user, accepted=False)
    token, token_hash = new_token()
    invitation = Invitation(
        user=user,
        invited_by_id=inviter.id,
        token_hash=token_hash,
        expires_at=utcnow() + INVITATION_LIFETIME,
    )
    session.add(invitation)
    await session.flush()
    await outbox.queue_email(
        session,
        to=user.email,
        user_id=user.id,
        kind="invitation",
        context={
            "name": user.display_name,
            "inviter": inviter.display_name,
            "link": links.absolute_url("auth:accept", token=token),
            "expires_at": invitation.expires_at,
        },
    )
    await audit.record(
        session,
        actor=inviter,
        action="user.invited",
        target_type="user",
        target_id=user.id,
        summary=f"Invited {user.email} as {', '.join(sorted(roles))}",
        after={"email": user.email, "roles": sorted(roles)},
    )
    return invitation


@dataclass(frozen=True)
class NewAdvocate:
    email: str  # normalized, and nobody's yet
    display_name: str
    company: str = ""
    job_title: str = ""
    language: str = ""


async def invite_many(
    session: AsyncSession, *, inviter: User, people: list[NewAdvocate]
) -> list[User]:
    """Invites new advocates together (a bulk invitation's batch), as `invite` does one: the
    users with their roles and balances, the invitations, the emails in one multi-row INSERT
    and an audit row each, a few statements per batch rather than a dozen per person. An
    address that has an account by now fails the whole call (IntegrityError): the caller
    checks them first and retries one by one."""
    if not people:
        return []
    codes = await unused_referral_codes(session, len(people))
    users = [
        User(
            email=person.email,
            display_name=person.display_name.strip(),
            status=UserStatus.INVITED,
            company=person.company.strip(),
            job_title=person.job_title.strip(),
            language=person.language,
            referral_code=code,
            roles=[UserRole(role=Role.ADVOCATE)],
        )
        for person, code in zip(people, codes, strict=True)
    ]
    session.add_all(users)
    await session.flush()
    for user in users:
        await points.open_account(session, user)
    expires_at = utcnow() + INVITATION_LIFETIME
    tokens = [new_token() for _ in users]
    session.add_all(
        Invitation(
            user_id=user.id, invited_by_id=inviter.id, token_hash=token_hash, expires_at=expires_at
        )
        for user, (_, token_hash) in zip(users, tokens, strict=True)
    )
    await session.flush()
    await outbox_bulk.queue_many(
        session,
        kind="invitation",
        category=None,
        addressees=[
            outbox_bulk.Addressee(
                to=user.email,
                user_id=user.id,
                context={
                    "name": user.display_name,
                    "inviter": inviter.display_name,
                    "link": links.absolute_url("auth:accept", token=token),
                    "expires_at": expires_at,
                },
            )
            for user, (token, _) in zip(users, tokens, strict=True)
        ],
    )
    await audit.record_many(
        session,
        actor=inviter,
        action="user.invited",
        target_type="user",
        targets=[
            audit.Target(
                user.id,
                f"Invited {user.email} as advocate",
                after={"email": user.email, "roles": [Role.ADVOCATE.value]},
            )
            for user in users
        ],
    )
    return users


async def check_invitation(session: AsyncSession, token: str) -> Invitation:
    """The invitation this token opens, or InvalidLink saying what is wrong with it."""
    invitation = await session.scalar(
        select(Invitation)
        .where(Invitation.token_hash == hash_token(token))
        .options(selectinload(Invitation.user).selectinload(User.roles))
        .options(selectinload(Invitation.invited_by))
    )
    if invitation is None or not same_hash(invitation.token_hash, token):
        raise InvalidLink(LinkProblem.UNKNOWN, "invitation")
    if invitation.accepted_at is not None or invitation.user.status != UserStatus.INVITED:
        raise InvalidLink(LinkProblem.USED, "invitation")
    if invitation.revoked_at is not None or invitation.expires_at <= utcnow():
        raise InvalidLink(LinkProblem.EXPIRED, "invitation")
    return invitation


async def accept_invitation(
    session: AsyncSession, *, token: str, display_name: str, password: str
) -> User:
    invitation = await check_invitation(session, token)
    user = invitation.user
    check_password_strength(password, email=user.email)
    claimed = await session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None))
        .values(accepted_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidLink(LinkProblem.USED, "invitation")
    user.display_name = display_name.strip() or user.display_name
    user.password_hash = await hash_password(password)
    user.status = UserStatus.ACTIVE
    user.record_login(utcnow())
    await audit.record(
        session,
        actor=user,
        action="user.invitation_accepted",
        target_type="user",
        target_id=user.id,
        summary=f"{user.email} accepted the invitation",
    )
    await session.flush()
    await events.publish(session, events.AdvocateJoined(user_id=user.id))
    return user


async def remind_unaccepted_invitations(
    session: AsyncSession, *, send_hour_zones: Collection[str] | None = None
) -> int:
    """One reminder for invitations still open 3 days after they were sent, in the invited
    person's morning (with `send_hour_zones`, the hourly job's: only people whose clock shows
    the send hour). The reminder carries a fresh link, because the original token is only ever
    stored hashed. Each invitation is claimed first, so a second worker sends nothing twice."""
    now = utcnow()
    query = (
        select(Invitation)
        .join(User, User.id == Invitation.user_id)
        .where(
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.reminded_at.is_(None),
            Invitation.created_at <= now - INVITATION_REMINDER_AFTER,
            Invitation.expires_at > now,
            User.status == UserStatus.INVITED,
        )
        .options(selectinload(Invitation.user).selectinload(User.roles))
        .options(selectinload(Invitation.invited_by))
        .order_by(Invitation.id)
    )
    due = list(await session.scalars(await program.in_send_hour(session, query, send_hour_zones)))
    sent = 0
    for invitation in due:
        token, token_hash = new_token()
        claimed = await session.execute(
            update(Invitation)
            .where(Invitation.id == invitation.id, Invitation.reminded_at.is_(None))
            .values(reminded_at=now, token_hash=token_hash)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another worker reminded this one
        inviter = invitation.invited_by.display_name if invitation.invited_by else "The team"
        await outbox.queue_email(
            session,
            to=invitation.user.email,
            user_id=invitation.user.id,
            kind="invitation_reminder",
            context={
                "name": invitation.user.display_name,
                "inviter": inviter,
                "link": links.absolute_url("auth:accept", token=token),
                "expires_at": invitation.expires_at,
            },
        )
        sent += 1
    await session.flush()
    return sent


def queue_password_reset(session: AsyncSession, *, email: str, signing_up: bool = False) -> None:
    """Forgot password (or a sign-up with a known address): the lookup and the email happen in
    a job after the commit, so the request does the same work, and takes as long, whether or
    not the address has an account. A double click within a minute sends one email."""
    enqueue(
        session,
        "send_password_reset",
        email=normalize_email(email),
        signing_up=signing_up,
        job_id=f"send_password_reset:{hash_token(normalize_email(email))}:{utcnow():%Y%m%d%H%M}",
    )


async def request_password_reset(
    session: AsyncSession, *, email: str, signing_up: bool = False
) -> None:
    """Emails a reset link to an active account, and nothing to any other address. With
    `signing_up`, the email says the person already has an account and links to sign-in."""
    user = await find_user_by_email(session, email)
    if user is None or user.status != UserStatus.ACTIVE:
        return
    now = utcnow()
    await session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    token, token_hash = new_token()
    reset = PasswordReset(user_id=user.id, token_hash=token_hash, expires_at=now + RESET_LIFETIME)
    session.add(reset)
    await session.flush()
    await outbox.queue_email(
        session,
        to=user.email,
        user_id=user.id,
        kind="password_reset",
        context={
            "name": user.display_name,
            "link": links.absolute_url("auth:reset", token=token),
            "signing_up": signing_up,
            "login_link": links.absolute_url("auth:login"),
        },
    )


async def check_reset(session: AsyncSession, token: str) -> PasswordReset:
    reset = await session.scalar(
        select(PasswordReset)
        .where(PasswordReset.token_hash == hash_token(token))
        .options(selectinload(PasswordReset.user).selectinload(User.roles))
    )
    if reset is None or not same_hash(reset.token_hash, token):
        raise InvalidLink(LinkProblem.UNKNOWN, "password reset")
    if reset.used_at is not None:
        raise InvalidLink(LinkProblem.USED, "password reset")
    if reset.expires_at <= utcnow() or reset.user.status != UserStatus.ACTIVE:
        raise InvalidLink(LinkProblem.EXPIRED, "password reset")
    return reset


async def reset_password(session: AsyncSession, *, token: str, password: str) -> User:
    """Sets the new password, spends the link, and signs out every session of the account."""
    reset = await check_reset(session, token)
    user = reset.user
    check_password_strength(password, email=user.email)
    claimed = await session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidLink(LinkProblem.USED, "password reset")
    user.password_hash = await hash_password(password)
    await sessions.revoke_sessions(session, user=user)
    user.record_login(utcnow())
    await audit.record(
        session,
        actor=user,
        action="user.password_reset",
        target_type="user",
        target_id=user.id,
        summary=f"{user.email} reset their password",
    )
    await session.flush()
    return user
