"""Checking a password at sign-in, with throttling per account and per client address
(portal.auth.service.throttle). With two-factor sign-in on, the password is only the first step:
the account's failures are forgotten, and the sign-in recorded, when the code is right."""

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth.models import LoginFailure
from portal.auth.service.accounts import find_user_by_email
from portal.auth.service.passwords import hash_password, needs_rehash, verify_password
from portal.auth.service.throttle import (
    Attempt,
    check_throttle,
    clear_failures,
    keys_for,
    record_failure,
)
from portal.auth.service.two_factor import two_factor_on
from portal.clock import utcnow
from portal.errors import PortalError
from portal.i18n import N_
from portal.people.models import User, UserStatus

KEEP_FAILURES = timedelta(days=1)


class InvalidCredentials(PortalError):
    # 200, not 4xx: the page shows the error, and the failure row must be committed.
    status_code = 200
    message = N_("That email and password don't match. Check them and try again.")


class AccountNotActive(PortalError):
    status_code = 403


async def authenticate(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    client_address: str,
    secret: str,
    max_failures: int,
    window: timedelta,
) -> User:
    """The user whose password this is; otherwise records the failure and raises.

    The same message answers an unknown email and a wrong password, and both take as long."""
    attempt = Attempt(
        client_address=client_address, secret=secret, max_failures=max_failures, window=window
    )
    keys = keys_for(attempt, email)
    await check_throttle(session, attempt, keys)

    user = await find_user_by_email(session, email)
    # Verified even for an unknown email (against a dummy hash): both answers take as long.
    matches = await verify_password(user.password_hash if user else None, password)
    if user is None or not matches:
        await record_failure(session, keys)
        raise InvalidCredentials()
    if user.status == UserStatus.SUSPENDED:
        raise AccountNotActive(N_("This account is suspended. Contact the program team."))
    if user.status == UserStatus.PENDING:
        raise AccountNotActive(
            N_("Your sign-up is waiting for approval. We'll email you as soon as it is approved.")
        )
    if user.status == UserStatus.INVITED:
        raise AccountNotActive(
            N_("Finish setting up your account from the link in your invitation.")
        )

    if user.password_hash is not None and needs_rehash(user.password_hash):
        user.password_hash = await hash_password(password)
    if not await two_factor_on(session, user=user):
        await clear_failures(session, keys)
        now = utcnow()
        user.record_login(now)
        user.last_seen_at = now
    await session.flush()
    return user


async def forget_old_login_failures(session: AsyncSession) -> int:
    result = await session.execute(
        delete(LoginFailure).where(LoginFailure.created_at < utcnow() - KEEP_FAILURES)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
