"""Checking a password at sign-in, with throttling per account and per client address."""

from datetime import timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth.models import LoginFailure
from portal.auth.service.accounts import find_user_by_email, normalize_email
from portal.auth.service.passwords import hash_password, needs_rehash, verify_password
from portal.clock import utcnow
from portal.errors import PortalError, TooManyRequests
from portal.people.models import User, UserStatus
from portal.tokens import keyed_hash

KEEP_FAILURES = timedelta(days=1)


class InvalidCredentials(PortalError):
    # 200, not 4xx: the page shows the error, and the failure row must be committed.
    status_code = 200
    message = "That email and password don't match. Check them and try again."


class AccountNotActive(PortalError):
    status_code = 403


class LoginThrottled(TooManyRequests):
    def __init__(self, minutes: int) -> None:
        super().__init__(
            f"Too many failed sign-ins. Please wait {minutes} minutes before trying again, "
            "or reset your password."
        )


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
    account_key = keyed_hash(secret, "account:" + normalize_email(email))
    client_key = keyed_hash(secret, "client:" + client_address)
    now = utcnow()
    since = now - window
    recent = await session.execute(
        select(
            func.count().filter(LoginFailure.account_key == account_key),
            func.count().filter(LoginFailure.client_key == client_key),
        ).where(
            LoginFailure.created_at >= since,
            or_(LoginFailure.account_key == account_key, LoginFailure.client_key == client_key),
        )
    )
    by_account, by_client = recent.one()
    if by_account >= max_failures or by_client >= max_failures * 4:
        raise LoginThrottled(int(window.total_seconds() // 60))

    user = await find_user_by_email(session, email)
    # Verified even for an unknown email (against a dummy hash): both answers take as long.
    matches = await verify_password(user.password_hash if user else None, password)
    if user is None or not matches:
        session.add(LoginFailure(account_key=account_key, client_key=client_key, created_at=now))
        await session.flush()
        raise InvalidCredentials()
    if user.status == UserStatus.SUSPENDED:
        raise AccountNotActive("This account is suspended. Contact the program team.")
    if user.status == UserStatus.PENDING:
        raise AccountNotActive(
            "Your sign-up is waiting for approval. We'll email you as soon as it is approved."
        )
    if user.status == UserStatus.INVITED:
        raise AccountNotActive("Finish setting up your account from the link in your invitation.")

    await session.execute(delete(LoginFailure).where(LoginFailure.account_key == account_key))
    if user.password_hash is not None and needs_rehash(user.password_hash):
        user.password_hash = await hash_password(password)
    user.record_login(now)
    user.last_seen_at = now
    await session.flush()
    return user


async def forget_old_login_failures(session: AsyncSession) -> int:
    result = await session.execute(
        delete(LoginFailure).where(LoginFailure.created_at < utcnow() - KEEP_FAILURES)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
