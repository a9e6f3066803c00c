"""The community feed: what other advocates achieved."""

from sqlalchemy import Select, delete, select
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


async def remove_feed_items(session: AsyncSession, event_keys: Select[tuple[str]]) -> None:
    """Takes back the items of these events (what they told of is no longer for everyone)."""
    await session.execute(
        delete(FeedItem)
        .where(FeedItem.event_key.in_(event_keys))
        .execution_options(synchronize_session=False)
    )
