"""The public side of a personal link: whose code it is, and counting its visits; and whose
personal referral code a prospect or a rep typed when the link was lost."""

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import events
from portal.clock import utcnow
from portal.errors import NotFound, PortalError
from portal.i18n import N_, _
from portal.people import service as people
from portal.people.codes import get_advocate_for_personal_code
from portal.people.models import User
from portal.referrals.models import ReferralClick

CLICKS_PER_HOUR = 30  # links one visitor may open in an hour and still be counted


async def access_advocate_for_code(session: AsyncSession, code: str) -> User:
    advocate = await people.get_advocate_for_code(session, code)
    if advocate is None:
        raise NotFound(_("This referral link does not work (any more)."))
    return advocate


class UnknownPersonalCode(PortalError):
    status_code = 422
    message = N_("No advocate has this referral code. Check it (it looks like PRIYA-7K2).")


async def access_advocate_for_personal_code(session: AsyncSession, typed: str) -> User:
    """The active advocate whose personal code was typed, in any case."""
    advocate = await get_advocate_for_personal_code(session, typed)
    if advocate is None:
        raise UnknownPersonalCode()
    return advocate


async def record_click(
    session: AsyncSession, *, advocate: User, client_key: str, campaign_id: int | None = None
) -> bool:
    """A visit to the advocate's link, counted once per visitor and link a day; a visitor who
    opens more than CLICKS_PER_HOUR links in an hour is not counted (a script, not a person),
    so reloading or crawling links neither inflates the counts nor fills the table.
    `client_key` is a salted hash, never the address; `campaign_id` is the campaign the link
    carried. True when the visit was counted."""
    now = utcnow()
    counted_today = await session.scalar(
        select(ReferralClick.id)
        .where(
            ReferralClick.client_key == client_key,
            ReferralClick.created_at >= now - timedelta(days=1),
            ReferralClick.referrer_id == advocate.id,
        )
        .limit(1)
    )
    if counted_today is not None:
        return False
    last_hour = await session.scalar(
        select(func.count()).where(
            ReferralClick.client_key == client_key,
            ReferralClick.created_at >= now - timedelta(hours=1),
        )
    )
    if (last_hour or 0) >= CLICKS_PER_HOUR:
        return False
    session.add(
        ReferralClick(
            referrer_id=advocate.id, client_key=client_key, campaign_id=campaign_id, created_at=now
        )
    )
    await session.flush()
    return True


async def count_share_page_visit(session: AsyncSession, event: events.ShareLinkVisited) -> None:
    """A visit to a content item's share page counts as a click on the sharing advocate's
    link, as `/r/<code>` does."""
    advocate = await session.get(User, event.advocate_id)  # loaded by the share page already
    if advocate is not None:
        await record_click(session, advocate=advocate, client_key=event.client_key)
