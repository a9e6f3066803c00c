"""The community feed: what other advocates achieved."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.people.models import User
from portal.points.models import FeedItem, FeedKind


async def add_feed_item(
    session: AsyncSession, *, user: User, kind: FeedKind, text: str, event_key: str
) -> None:
    """One item per event: the event key makes a repeated event a no-op."""
    exists = await session.scalar(select(FeedItem.id).where(FeedItem.event_key == event_key))
    if exists is None:
        session.add(FeedItem(user_id=user.id, kind=kind, text=text, event_key=event_key))
        await session.flush()
