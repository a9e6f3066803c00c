"""Two-factor sign-in with an authenticator app (TOTP, RFC 6238: 6 digits every 30 seconds) and
ten one-time recovery codes.

The app's secret is kept encrypted with Fernet (AES-128-CBC with an HMAC-SHA256), under a key
derived from SECRET_KEY with HKDF: a copy of the database alone gives nobody a code. During
setup it travels in the confirming form, encrypted the same way and bound to the person, so
nothing is stored until a code proves the app has it. Recovery codes are kept as keyed hashes.
A code is accepted once: the time step of the last accepted code is kept, and only a later one
passes (one step of clock drift either way is allowed).
"""

import base64
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit import service as audit
from portal.auth.models import RecoveryCode, TwoFactor
from portal.auth.service.throttle import Attempt, check_throttle, keys_for, record_failure
from portal.clock import utcnow
from portal.errors import Conflict, PortalError
from portal.i18n import N_
from portal.people import sessions
from portal.people.models import Role, User
from portal.program import service as program
from portal.tokens import keyed_hash

log = logging.getLogger("portal.auth")

RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
RECOVERY_LENGTH = 12  # about 59 bits
SETUP_SECONDS = 30 * 60
DRIFT_STEPS = 1


class InvalidCode(PortalError):
    # 200: the page shows the error, and the failure (it counts toward the throttle) is kept.
    status_code = 200
    message = N_("That code isn't right. Check your authenticator app and try again.")


class SetupExpired(PortalError):
    status_code = 409
    message = N_("This setup has expired. Scan the new QR code below and enter its code.")


class TwoFactorAlreadyOn(Conflict):
    message = N_("Two-factor sign-in is already on.")


@dataclass(frozen=True)
class Setup:
    """What the setup page shows: the key (for typing), the otpauth URI (for the QR code) and
    the key encrypted for the confirming form."""

    key: str
    uri: str
    token: str

    @property
    def key_groups(self) -> str:
        return " ".join(self.key[i : i + 4] for i in range(0, len(self.key), 4))


@dataclass(frozen=True)
class TwoFactorStatus:
    enabled_at: datetime
    recovery_codes_left: int


def _fernet(secret: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"portal two-factor secrets"
    ).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


async def start_setup(session: AsyncSession, *, user: User, secret: str) -> Setup:
    """A new key for the person's app; nothing is stored until `enable` gets a code from it."""
    if await two_factor_on(session, user=user):
        raise TwoFactorAlreadyOn()
    return await _setup(session, user=user, key=pyotp.random_base32(), secret=secret)


async def resume_setup(session: AsyncSession, *, user: User, token: str, secret: str) -> Setup:
    """The same key again (after a wrong code), or a new one when the form has expired."""
    try:
        key = _setup_key(token, user=user, secret=secret)
    except SetupExpired:
        return await start_setup(session, user=user, secret=secret)
    return await _setup(session, user=user, key=key, secret=secret)


async def _setup(session: AsyncSession, *, user: User, key: str, secret: str) -> Setup:
    issuer = (await program.load_once(session)).program_name
    return Setup(
        key=key,
        uri=pyotp.TOTP(key).provisioning_uri(name=user.email, issuer_name=issuer),
        token=_fernet(secret).encrypt(f"{user.id}:{key}".encode()).decode(),
    )


def _setup_key(token: str, *, user: User, secret: str) -> str:
    try:
        plain = _fernet(secret).decrypt(token.encode(), ttl=SETUP_SECONDS).decode()
    except (InvalidToken, ValueError) as error:
        raise SetupExpired() from error
    owner, _, key = plain.partition(":")
    if owner != str(user.id) or not key:
        raise SetupExpired()
    return key


async def enable_two_factor(
    session: AsyncSession, *, user: User, token: str, code: str, secret: str
) -> list[str]:
    """Turns two-factor sign-in on once a code from the app matches; returns the recovery
    codes (shown once). Sessions held at the setup page are let go."""
    key = _setup_key(token, user=user, secret=secret)
    if await two_factor_on(session, user=user):
        raise TwoFactorAlreadyOn()
    step = _matching_step(key, _digits(code), after=0)
    if step is None:
        raise InvalidCode()
    session.add(
        TwoFactor(
            user_id=user.id,
            secret_encrypted=_fernet(secret).encrypt(key.encode()).decode(),
            enabled_at=utcnow(),
            last_step=step,
        )
    )
    codes = await _new_recovery_codes(session, user=user, secret=secret)
    await sessions.release_two_factor_hold(session, user=user)
    await audit.record(
        session,
        actor=user,
        action="user.two_factor_on",
        target_type="user",
        target_id=user.id,
        summary=f"{user.email} turned on two-factor sign-in",
    )
    return codes


async def disable_two_factor(
    session: AsyncSession, *, user: User, code: str, attempt: Attempt
) -> None:
    """Turns it off with a code or a recovery code. An admin the program requires it of is held
    at the setup page again (to set up a new device)."""
    await check_code(session, user=user, code=code, attempt=attempt)
    await session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id))
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    if await required_of(session, user=user):
        await sessions.hold_for_two_factor(session, user=user)
    await audit.record(
        session,
        actor=user,
        action="user.two_factor_off",
        target_type="user",
        target_id=user.id,
        summary=f"{user.email} turned off two-factor sign-in",
    )


async def renew_recovery_codes(
    session: AsyncSession, *, user: User, code: str, attempt: Attempt
) -> list[str]:
    """New recovery codes (the old ones stop working), after a code proves it's them."""
    await check_code(session, user=user, code=code, attempt=attempt)
    codes = await _new_recovery_codes(session, user=user, secret=attempt.secret)
    await audit.record(
        session,
        actor=user,
        action="user.recovery_codes_renewed",
        target_type="user",
        target_id=user.id,
        summary=f"{user.email} made new recovery codes",
    )
    return codes


async def check_code(session: AsyncSession, *, user: User, code: str, attempt: Attempt) -> None:
    """A code or a recovery code, within the sign-in throttle: a wrong one counts as a failed
    sign-in."""
    keys = keys_for(attempt, user.email)
    await check_throttle(session, attempt, keys)
    if not await use_code(session, user=user, code=code, secret=attempt.secret):
        await record_failure(session, keys)
        raise InvalidCode()


async def use_code(session: AsyncSession, *, user: User, code: str, secret: str) -> bool:
    """Whether this is a code from the person's app not accepted before, or one of their unused
    recovery codes (used up now, and audited)."""
    entered = _digits(code)
    row = await session.scalar(
        select(TwoFactor)
        .where(TwoFactor.user_id == user.id)
        .execution_options(populate_existing=True)
    )
    if row is None:
        return False
    if len(entered) == 6 and entered.isascii() and entered.isdigit():
        try:
            key = _fernet(secret).decrypt(row.secret_encrypted.encode()).decode()
        except InvalidToken:
            log.error("two-factor secret of user %s is unreadable (SECRET_KEY changed?)", user.id)
            return False
        step = _matching_step(key, entered, after=row.last_step)
        if step is None:
            return False
        # Compare-and-set: of two requests with the same code, one wins.
        won = await session.execute(
            update(TwoFactor)
            .where(TwoFactor.user_id == user.id, TwoFactor.last_step < step)
            .values(last_step=step)
            .execution_options(synchronize_session=False)
        )
        return bool(won.rowcount)  # type: ignore[attr-defined]
    if len(entered) != RECOVERY_LENGTH:
        return False
    used = await session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_hash(secret, entered),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if not used.rowcount:  # type: ignore[attr-defined]
        return False
    await audit.record(
        session,
        actor=user,
        action="user.recovery_code_used",
        target_type="user",
        target_id=user.id,
        summary=f"{user.email} used a recovery code",
    )
    return True


async def two_factor_on(session: AsyncSession, *, user: User) -> bool:
    return await session.get(TwoFactor, user.id) is not None


async def required_of(session: AsyncSession, *, user: User) -> bool:
    """Whether the program requires two-factor sign-in of this person (admins, by a setting)."""
    return user.has_role(Role.ADMIN) and (await program.load(session)).admins_require_two_factor


async def two_factor_status(session: AsyncSession, *, user: User) -> TwoFactorStatus | None:
    row = await session.get(TwoFactor, user.id)
    if row is None:
        return None
    left = await session.scalar(
        select(func.count()).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
    return TwoFactorStatus(enabled_at=row.enabled_at, recovery_codes_left=left or 0)


async def _new_recovery_codes(session: AsyncSession, *, user: User, secret: str) -> list[str]:
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODES)
    ]
    session.add_all(
        RecoveryCode(user_id=user.id, code_hash=_recovery_hash(secret, code)) for code in codes
    )
    await session.flush()
    return ["-".join(code[i : i + 4] for i in range(0, RECOVERY_LENGTH, 4)) for code in codes]


def _recovery_hash(secret: str, code: str) -> str:
    return keyed_hash(secret, "recovery:" + code)


def _digits(code: str) -> str:
    """What was typed, without the spaces and dashes people copy along."""
    return "".join(code.split()).replace("-", "").lower()


def _matching_step(key: str, code: str, *, after: int) -> int | None:
    """The time step (now, or one either way) whose code this is, if later than `after`."""
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None  # an app's code is six ASCII digits ("²" is a digit to Python, not to pyotp)
    totp = pyotp.TOTP(key)
    now = totp.timecode(utcnow())
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if step > after and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None
