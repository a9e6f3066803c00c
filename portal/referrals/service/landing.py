"""The public side of a personal link: whose code it is, and counting its visits."""

from sqlalchemy.ext.asyncio import AsyncSession

from portal import events
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


async def count_share_page_visit(session: AsyncSession, event: events.ShareLinkVisited) -> None:
    """A visit to a content item's share page counts as a click on the sharing advocate's
    link, as `/r/<code>` does."""
    advocate = await session.get(User, event.advocate_id)  # loaded by the share page already
    if advocate is not None:
        await record_click(session, advocate=advocate, client_key=event.client_key)
