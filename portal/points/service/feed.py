"""The community feed: what other advocates achieved."""

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.people.models import User
from portal.points.models import FeedItem, FeedKind
from portal.wording import Wording, in_english


async def add_feed_item(
    session: AsyncSession, *, user: User, kind: FeedKind, text: str | Wording, event_key: str
) -> None:
    """One item per event: the event key makes a repeated event a no-op. A text given as a
    wording is read in each reader's language."""
    exists = await session.scalar(select(FeedItem.id).where(FeedItem.event_key == event_key))
    if exists is None:
        worded = text if isinstance(text, dict) else None
        english = in_english(worded) if worded else str(text)
        session.add(
            FeedItem(
                user_id=user.id, kind=kind, text=english[:200], wording=worded, event_key=event_key
            )
        )
        await session.flush()


async def remove_feed_items(session: AsyncSession, event_keys: Select[tuple[str]]) -> None:
    """Takes back the items of these events (what they told of is no longer for everyone)."""
    await session.execute(
        delete(FeedItem)
        .where(FeedItem.event_key.in_(event_keys))
        .execution_options(synchronize_session=False)
    )
