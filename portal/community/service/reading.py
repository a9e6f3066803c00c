"""Where each member stopped reading a topic: the newest post they have had on screen. A topic
page marks the posts after it as new (from the second visit on: at the first, all of it is),
lists mark topics with newer posts, and "first unread" opens the page of the first of them, so
the reader carries on where they stopped."""

from dataclasses import dataclass

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import utcnow
from portal.community.models import Post, Topic, TopicMute, TopicRead
from portal.community.service.browse import access_topic, post_visible
from portal.people.models import User


@dataclass(frozen=True)
class Visit:
    read_before: int  # the viewer's place before this visit (0: never read)
    muted: bool  # they muted the topic's replies


async def visit_topic(session: AsyncSession, *, viewer: User, topic: Topic, up_to: int) -> Visit:
    """The viewer's own state of the topic (read in one statement with whether they muted
    it), then their place moved forward to post `up_to` (never back: an earlier page read
    again keeps it)."""
    place = (
        select(TopicRead.last_post_id)
        .where(TopicRead.topic_id == topic.id, TopicRead.user_id == viewer.id)
        .scalar_subquery()
    )
    muted = exists().where(TopicMute.topic_id == topic.id, TopicMute.user_id == viewer.id)
    before, is_muted = (await session.execute(select(place, muted))).one()
    if before is None:
        dialect = (await session.connection()).dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await session.execute(
            insert(TopicRead)
            .values(topic_id=topic.id, user_id=viewer.id, last_post_id=up_to, read_at=utcnow())
            .on_conflict_do_nothing(index_elements=["topic_id", "user_id"])
        )
    elif up_to > before:
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
    return Visit(read_before=before or 0, muted=bool(is_muted))


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
