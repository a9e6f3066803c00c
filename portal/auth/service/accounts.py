"""Users: creating them, their profile and password, roles and status, and the people list."""

from collections.abc import AsyncIterable, Iterable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal import i18n, zones
from portal.audit import service as audit
from portal.auth.service.passwords import (
    WrongPassword,
    check_password_strength,
    hash_password,
    verify_password,
)
from portal.errors import Conflict, NotFound, PortalError
from portal.files.storage import Storage
from portal.files.uploads import FileKind, save_upload
from portal.i18n import N_, gettext
from portal.jobs import enqueue
from portal.people import fields, sessions, viewer
from portal.people.codes import unused_personal_code
from portal.people.models import Role, User, UserRole, UserStatus
from portal.points import service as points
from portal.tokens import new_referral_code


class AlreadyMember(Conflict):
    message = N_("That person already has an account.")


class CannotChangeOwnAccess(PortalError):
    status_code = 409
    message = N_("You can't remove your own admin role or suspend yourself.")


class AdminsOnly(PortalError):
    status_code = 403
    message = N_("Only an admin can change an admin's account.")


class LastAdmin(Conflict):
    message = N_(
        "This is the last active admin: the portal would have nobody to run it. "
        "Make someone else an admin first."
    )


def check_may_manage(*, actor: User, user: User) -> None:
    """Only admins act on admins (status, roles, invitations)."""
    if Role.ADMIN in user.role_set and not actor.has_role(Role.ADMIN):
        raise AdminsOnly()


async def _keep_an_active_admin(session: AsyncSession, *, losing: User) -> None:
    """Refuses a change that would leave no active admin (`losing` stops being one)."""
    if Role.ADMIN not in losing.role_set or losing.status != UserStatus.ACTIVE:
        return
    others = await session.scalar(
        select(func.count(User.id)).where(
            User.id != losing.id,
            User.status == UserStatus.ACTIVE,
            User.roles.any(UserRole.role == Role.ADMIN),
        )
    )
    if not others:
        raise LastAdmin()


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def find_user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(
        select(User).where(User.email == normalize_email(email)).options(selectinload(User.roles))
    )


async def create_user(
    session: AsyncSession,
    *,
    email: str,
    display_name: str,
    roles: Iterable[Role] = (Role.ADVOCATE,),
    status: UserStatus = UserStatus.ACTIVE,
    password: str | None = None,
    company: str = "",
    job_title: str = "",
    language: str = "",
) -> User:
    email = normalize_email(email)
    if await session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AlreadyMember()
    if password is not None:
        check_password_strength(password, email=email)
    user = User(
        email=email,
        display_name=display_name.strip(),
        status=status,
        password_hash=await hash_password(password) if password is not None else None,
        company=company.strip(),
        job_title=job_title.strip(),
        language=language,
        referral_code=await _unused_referral_code(session),
        personal_code=await unused_personal_code(session, display_name=display_name, email=email),
        roles=[UserRole(role=role) for role in sorted(set(roles))],
    )
    session.add(user)
    await session.flush()
    await points.open_account(session, user)
    return user


async def _unused_referral_code(session: AsyncSession) -> str:
    [code] = await unused_referral_codes(session, 1)
    return code


async def unused_referral_codes(session: AsyncSession, count: int) -> list[str]:
    """`count` distinct referral codes nobody has, drawn and checked together (a clash with an
    existing code, one in about 2^51 / people, draws again)."""
    codes: set[str] = set()
    while len(codes) < count:
        drawn = {new_referral_code() for _ in range(count - len(codes))} - codes
        taken = set(
            await session.scalars(select(User.referral_code).where(User.referral_code.in_(drawn)))
        )
        codes |= drawn - taken
    return sorted(codes)


async def update_profile(
    session: AsyncSession,
    *,
    user: User,
    display_name: str,
    company: str,
    job_title: str,
    show_in_feed: bool,
    hide_from_boards: bool,
    answers: dict[int, str] | None = None,
    time_zone: str | None = None,
    language: str | None = None,
) -> User:
    """The person's own details, and their answers to the custom profile fields shown;
    `time_zone` or `language` None keeps theirs ("" is the program's)."""
    if time_zone is not None:
        await set_time_zone(session, user=user, time_zone=time_zone)
    if language is not None:
        await set_language(session, user=user, language=language)
    user.display_name = display_name.strip()
    user.company = company.strip()
    user.job_title = job_title.strip()
    user.show_in_feed = show_in_feed
    user.hide_from_boards = hide_from_boards
    await session.flush()
    await fields.save_answers(session, user=user, answers=answers or {})
    return user


class UnknownTimeZone(PortalError):
    status_code = 422
    message = N_("Choose a time zone from the list, like Europe/Berlin.")


class UnknownLanguage(PortalError):
    status_code = 422
    message = N_("Choose a language from the list.")


async def set_language(session: AsyncSession, *, user: User, language: str) -> User:
    """The language the person reads the portal and their emails in: one the portal speaks,
    or "" for their browser's, else the program's."""
    if language and i18n.match(language) != language:
        raise UnknownLanguage()
    user.language = language
    await session.flush()
    return user


async def set_time_zone(session: AsyncSession, *, user: User, time_zone: str) -> User:
    """The zone the person types and reads dates in: an IANA name, or "" for the program's."""
    if time_zone and not zones.is_zone(time_zone):
        raise UnknownTimeZone()
    user.time_zone = time_zone
    await session.flush()
    return user


async def change_password(
    session: AsyncSession, *, user: User, current_password: str, new_password: str
) -> User:
    """Sets a new password and ends every session of the user (the caller starts a new one for
    the browser that changed it)."""
    await viewer.load_password_hash(session, user)
    if not await verify_password(user.password_hash, current_password):
        raise WrongPassword()
    check_password_strength(new_password, email=user.email)
    user.password_hash = await hash_password(new_password)
    await sessions.revoke_sessions(session, user=user)
    await audit.record(
        session,
        actor=user,
        action="user.password_changed",
        target_type="user",
        target_id=user.id,
        summary=f"{user.email} changed their password",
    )
    await session.flush()
    return user


async def set_roles(session: AsyncSession, *, actor: User, user: User, roles: set[Role]) -> User:
    if not roles:
        raise PortalError(N_("Choose at least one role."))
    if not actor.has_role(Role.ADMIN):
        raise AdminsOnly(N_("Only an admin can change roles."))
    if user.id == actor.id and Role.ADMIN in user.role_set and Role.ADMIN not in roles:
        raise CannotChangeOwnAccess()
    if Role.ADMIN not in roles:
        await _keep_an_active_admin(session, losing=user)
    before = sorted(user.role_set)
    user.roles = [r for r in user.roles if r.role in roles] + [
        UserRole(role=role) for role in sorted(roles - user.role_set)
    ]
    await audit.record(
        session,
        actor=actor,
        action="user.roles_changed",
        target_type="user",
        target_id=user.id,
        summary=f"Roles of {user.email}: {', '.join(sorted(roles))}",
        before={"roles": before},
        after={"roles": sorted(roles)},
    )
    await session.flush()
    return user


async def change_status(
    session: AsyncSession, *, actor: User, user: User, status: UserStatus, action: str
) -> User:
    check_may_manage(actor=actor, user=user)
    if status != UserStatus.ACTIVE:
        await _keep_an_active_admin(session, losing=user)
    before = user.status
    user.status = status
    if status == UserStatus.SUSPENDED:
        await sessions.revoke_sessions(session, user=user)
    await audit.record(
        session,
        actor=actor,
        action=action,
        target_type="user",
        target_id=user.id,
        summary=f"{user.email}: {before} → {status}",
        before={"status": str(before)},
        after={"status": str(status)},
    )
    await session.flush()
    return user


async def suspend_user(session: AsyncSession, *, actor: User, user: User) -> User:
    if user.id == actor.id:
        raise CannotChangeOwnAccess()
    return await change_status(
        session, actor=actor, user=user, status=UserStatus.SUSPENDED, action="user.suspended"
    )


async def reactivate_user(session: AsyncSession, *, actor: User, user: User) -> User:
    if user.status != UserStatus.SUSPENDED:
        raise Conflict(N_("Only suspended accounts can be reactivated."))
    status = UserStatus.ACTIVE if user.password_hash else UserStatus.INVITED
    return await change_status(
        session, actor=actor, user=user, status=status, action="user.reactivated"
    )


async def decline_signup(session: AsyncSession, *, actor: User, user: User) -> User:
    if user.status != UserStatus.PENDING:
        raise Conflict(N_("This sign-up was already handled."))
    return await change_status(
        session, actor=actor, user=user, status=UserStatus.SUSPENDED, action="user.signup_declined"
    )


async def count_by_status(session: AsyncSession) -> dict[UserStatus, int]:
    rows = await session.execute(select(User.status, func.count()).group_by(User.status))
    counts = dict.fromkeys(UserStatus, 0)
    counts.update({UserStatus(status): count for status, count in rows})
    return counts


class InvalidAvatar(PortalError):
    status_code = 422


async def set_avatar(
    session: AsyncSession,
    *,
    user: User,
    storage: Storage,
    chunks: AsyncIterable[bytes] | None,
    filename: str,
    max_bytes: int,
) -> User:
    """A new picture (typed from its bytes: images only), or none when `chunks` is None. The
    old file is deleted after the commit."""
    old = user.avatar_name
    if chunks is None:
        user.avatar_name, user.avatar_type = None, ""
    else:
        saved = await save_upload(storage, chunks, filename=filename, max_bytes=max_bytes)
        if saved.file_type.kind is not FileKind.IMAGE:
            await storage.delete(saved.stored.name)
            raise InvalidAvatar(
                gettext("“%(file)s” is not an image. Use a PNG, JPEG or WebP.")
                % {"file": saved.filename}
            )
        user.avatar_name, user.avatar_type = saved.stored.name, saved.file_type.content_type
    if old and old != user.avatar_name:
        enqueue(session, "delete_stored_file", name=old)
    await session.flush()
    return user


async def avatar_of(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None or not user.avatar_name or user.status != UserStatus.ACTIVE:
        raise NotFound()
    return user
