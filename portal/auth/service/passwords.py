"""Password hashing (argon2id) and the strength rule.

Hashing takes tens of milliseconds of CPU by design, so it runs in worker threads (argon2
releases the GIL), at most `HASHING_THREADS` at once: a burst of sign-ins waits its turn for a
thread instead of stalling every other request on the event loop."""

import os

import anyio.to_thread
from anyio import CapacityLimiter
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from portal.errors import PortalError
from portal.i18n import N_, gettext

MIN_LENGTH = 10
MAX_LENGTH = 256
HASHING_THREADS = min(4, os.cpu_count() or 1)
_hashing = CapacityLimiter(HASHING_THREADS)
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")


def use_fast_hashing() -> None:
    """Cheap argon2id parameters, for test suites only (the portal itself never calls this).
    Hashes made with other parameters still verify: argon2 stores them in the hash."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    _DUMMY_HASH = _hasher.hash("not a real password, only for timing")


class WeakPassword(PortalError):
    status_code = 422


class WrongPassword(PortalError):
    status_code = 422
    message = N_("Your current password is not correct.")


def check_password_strength(password: str, *, email: str = "") -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(gettext("Use at least %(count)s characters.") % {"count": MIN_LENGTH})
    if len(password) > MAX_LENGTH:
        raise WeakPassword(gettext("Use at most %(count)s characters.") % {"count": MAX_LENGTH})
    if email and password.strip().lower() == email.lower():
        raise WeakPassword(N_("Your password must not be your email address."))
    if len(set(password)) < 4:
        raise WeakPassword(N_("That password is too easy to guess. Mix more characters."))


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password, limiter=_hashing)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches. Without a hash (an unknown email, an account with no
    password) a dummy hash is verified, so the answer takes as long either way."""
    return await anyio.to_thread.run_sync(_verify, password_hash, password, limiter=_hashing)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
