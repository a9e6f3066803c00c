"""The public side of a personal link: whose code it is, and counting its visits."""

from sqlalchemy.ext.asyncio import AsyncSession

from portal.errors import NotFound
from portal.people import service as people
from portal.people.models import User
from portal.referrals.models import ReferralClick


async def access_advocate_for_code(session: AsyncSession, code: str) -> User:
    advocate = await people.get_advocate_for_code(session, code)
    if advocate is None:
        raise NotFound("This referral link does not work (any more).")
    return advocate


async def record_click(session: AsyncSession, *, advocate: User, client_key: str) -> None:
    """One visit to the advocate's link; `client_key` is a salted hash, never the address."""
    session.add(ReferralClick(referrer_id=advocate.id, client_key=client_key))
    await session.flush()
