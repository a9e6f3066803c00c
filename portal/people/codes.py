"""Personal referral codes: a short code a person can say on the phone or write on a card
(`PRIYA-7K2`), for when the prospect never followed the advocate's link. The name part makes it
easy to remember; the random part makes codes unique and, with throttled lookups, impossible to
guess in bulk. Stored upper-case; typed in any case."""

import secrets
import unicodedata

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.people.models import User, UserStatus

# No 0/O or 1/I/L: a code read aloud or copied by hand comes back the same.
SUFFIX_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SUFFIX_LENGTH = 3
NAME_PART_MAX = 8
PERSONAL_CODE_LENGTH = 20  # the column's width: longer input cannot be a code


def _name_part(display_name: str, email: str) -> str:
    for text in (display_name, email.partition("@")[0]):
        ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        words = "".join(c if c.isalpha() else " " for c in ascii_text).split()
        if words:
            return words[0][:NAME_PART_MAX].upper()
    return "FRIEND"


def normalize_personal_code(typed: str) -> str:
    return typed.strip().upper()


async def unused_personal_code(session: AsyncSession, *, display_name: str, email: str) -> str:
    name = _name_part(display_name, email)
    while True:
        suffix = "".join(secrets.choice(SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH))
        code = f"{name}-{suffix}"
        if await session.scalar(select(User.id).where(User.personal_code == code)) is None:
            return code


async def get_advocate_for_personal_code(session: AsyncSession, typed: str) -> User | None:
    """The active person with this personal code, in any case."""
    code = normalize_personal_code(typed)
    if not code or len(code) > PERSONAL_CODE_LENGTH:
        return None
    return await session.scalar(
        select(User).where(User.personal_code == code, User.status == UserStatus.ACTIVE)
    )
