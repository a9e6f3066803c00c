"""Where each member stopped reading a topic: the newest post they have had on screen. A topic
page marks the posts after it as new (from the second visit on: at the first, all of it is),
lists mark topics with newer posts, and "first unread" opens the page of the first of them, so
the reader carries on where they stopped."""

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import utcnow
from portal.community.models import Post, Topic, TopicRead
from portal.community.service.browse import access_topic, post_visible
from portal.people.models import User


async def mark_read(session: AsyncSession, *, viewer: User, topic: Topic, up_to: int) -> int:
    """Moves the viewer's place forward to post `up_to` (never back: an earlier page read again
    keeps it); returns where it was before (0: never read)."""
    before = await session.scalar(
        select(TopicRead.last_post_id).where(
            TopicRead.topic_id == topic.id, TopicRead.user_id == viewer.id
        )
    )
    if before is None:
        dialect = (await session.connection()).dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await session.execute(
            insert(TopicRead)
            .values(topic_id=topic.id, user_id=viewer.id, last_post_id=up_to, read_at=utcnow())
            .on_conflict_do_nothing(index_elements=["topic_id", "user_id"])
        )
        return 0
    if up_to > before:
        await session.execute(
            update(TopicRead)
            .where(
                TopicRead.topic_id == topic.id,
                TopicRead.user_id == viewer.id,
                TopicRead.last_post_id < up_to,
            )
            .values(last_post_id=up_to, read_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    return before


async def with_unread(session: AsyncSession, *, viewer: User, topic_ids: list[int]) -> set[int]:
    """Those of `topic_ids` the viewer has read before and that have newer posts they may see."""
    if not topic_ids:
        return set()
    newest = (
        select(func.max(Post.id))
        .where(Post.topic_id == TopicRead.topic_id, Post.is_hidden.is_(False), post_visible(viewer))
        .scalar_subquery()
    )
    return set(
        await session.scalars(
            select(TopicRead.topic_id).where(
                TopicRead.user_id == viewer.id,
                TopicRead.topic_id.in_(topic_ids),
                TopicRead.last_post_id < newest,
            )
        )
    )


async def first_unread(session: AsyncSession, *, viewer: User, topic_id: int) -> int | None:
    """The first post after the viewer's place that they may read, if any."""
    topic = await access_topic(session, viewer=viewer, topic_id=topic_id)
    place = (
        select(TopicRead.last_post_id)
        .where(TopicRead.topic_id == topic.id, TopicRead.user_id == viewer.id)
        .scalar_subquery()
    )
    return await session.scalar(
        select(func.min(Post.id)).where(
            and_(
                Post.topic_id == topic.id,
                Post.id > func.coalesce(place, 0),
                Post.is_hidden.is_(False),
                post_visible(viewer),
            )
        )
    )
