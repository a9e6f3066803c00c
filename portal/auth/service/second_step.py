"""What comes after the password: the code of the second step, the setup an admin may be held
at, and confirming it's you again before a sensitive action."""

from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal.auth.service.passwords import verify_password
from portal.auth.service.throttle import (
    Attempt,
    check_throttle,
    clear_failures,
    keys_for,
    record_failure,
)
from portal.auth.service.two_factor import InvalidCode, required_of, two_factor_on, use_code
from portal.clock import utcnow
from portal.errors import PortalError
from portal.i18n import N_
from portal.people import viewer
from portal.people.models import User, UserStatus


class SignInStep(StrEnum):
    DONE = "done"  # signed in
    CODE = "code"  # two-factor sign-in is on: ask for a code
    SETUP = "setup"  # signed in, held at the two-factor setup page until it is on


class SignInExpired(PortalError):
    status_code = 409
    message = N_("Your sign-in took too long. Please sign in again.")


class NotConfirmed(PortalError):
    # 200: the prompt shows the error, and the failure (it counts toward the throttle) is kept.
    status_code = 200
    message = N_("That password isn't right.")


class CannotConfirm(PortalError):
    status_code = 403
    message = N_(
        "Your account has no password here (you sign in through single sign-on). Sign out and "
        "sign in again to carry on."
    )


async def next_step(session: AsyncSession, *, user: User) -> SignInStep:
    """After the first factor (a password, a reset link, an invitation)."""
    if await two_factor_on(session, user=user):
        return SignInStep.CODE
    if await required_of(session, user=user):
        return SignInStep.SETUP
    return SignInStep.DONE


async def verify_sign_in_code(
    session: AsyncSession, *, user_id: int, code: str, attempt: Attempt
) -> User:
    """The second step: a code from the app (or a recovery code, used up) completes the
    sign-in. A wrong code counts as a failed sign-in."""
    user = await session.scalar(
        select(User).where(User.id == user_id).options(selectinload(User.roles))
    )
    if user is None or user.status != UserStatus.ACTIVE:
        raise SignInExpired()
    keys = keys_for(attempt, user.email)
    await check_throttle(session, attempt, keys)
    if not await use_code(session, user=user, code=code, secret=attempt.secret):
        await record_failure(session, keys)
        raise InvalidCode()
    await clear_failures(session, keys)
    now = utcnow()
    user.record_login(now)
    user.last_seen_at = now
    await session.flush()
    return user


async def confirm_identity(
    session: AsyncSession, *, user: User, password: str, code: str, attempt: Attempt
) -> None:
    """The password, and a code when two-factor sign-in is on, for a sensitive action. Wrong
    answers count toward the sign-in throttle."""
    keys = keys_for(attempt, user.email)
    await check_throttle(session, attempt, keys)
    two_factor = await two_factor_on(session, user=user)
    await viewer.load_password_hash(session, user)
    if user.password_hash is None and not two_factor:
        raise CannotConfirm()
    if user.password_hash is not None and not await verify_password(user.password_hash, password):
        await record_failure(session, keys)
        raise NotConfirmed()
    if two_factor and not await use_code(session, user=user, code=code, secret=attempt.secret):
        await record_failure(session, keys)
        raise NotConfirmed(N_("That code isn't right. Check your authenticator app and try again."))
    await clear_failures(session, keys)
