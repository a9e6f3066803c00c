"""The sign-in throttle: failed passwords and failed codes count together, per account and per
client address, in `login_failures` (so the limit holds across workers)."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth.models import LoginFailure
from portal.auth.service.accounts import normalize_email
from portal.clock import utcnow
from portal.errors import TooManyRequests
from portal.tokens import keyed_hash


class LoginThrottled(TooManyRequests):
    def __init__(self, minutes: int) -> None:
        super().__init__(
            f"Too many failed sign-ins. Please wait {minutes} minutes before trying again, "
            "or reset your password."
        )


@dataclass(frozen=True)
class Attempt:
    """Who is trying from where, and the limits: what every check of a password or a code
    counts against."""

    client_address: str
    secret: str
    max_failures: int
    window: timedelta


@dataclass(frozen=True)
class Keys:
    account: str
    client: str


def keys_for(attempt: Attempt, email: str) -> Keys:
    """Salted hashes of the email and the client address: nothing raw is stored."""
    return Keys(
        account=keyed_hash(attempt.secret, "account:" + normalize_email(email)),
        client=keyed_hash(attempt.secret, "client:" + attempt.client_address),
    )


async def check_throttle(session: AsyncSession, attempt: Attempt, keys: Keys) -> None:
    """Raises `LoginThrottled` once the account, or the client address (four times as many,
    across accounts), has failed too often within the window."""
    recent = await session.execute(
        select(
            func.count().filter(LoginFailure.account_key == keys.account),
            func.count().filter(LoginFailure.client_key == keys.client),
        ).where(
            LoginFailure.created_at >= utcnow() - attempt.window,
            or_(LoginFailure.account_key == keys.account, LoginFailure.client_key == keys.client),
        )
    )
    by_account, by_client = recent.one()
    if by_account >= attempt.max_failures or by_client >= attempt.max_failures * 4:
        raise LoginThrottled(int(attempt.window.total_seconds() // 60))


async def record_failure(session: AsyncSession, keys: Keys) -> None:
    session.add(LoginFailure(account_key=keys.account, client_key=keys.client, created_at=utcnow()))
    await session.flush()


async def clear_failures(session: AsyncSession, keys: Keys) -> None:
    """A complete sign-in forgets the account's failures (not the address's)."""
    await session.execute(delete(LoginFailure).where(LoginFailure.account_key == keys.account))
