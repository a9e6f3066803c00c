"""Community news in the activity feed: a new topic and an accepted answer, told only where
everyone may read them (an approved, visible topic in a category not limited to groups).
Whatever later takes a topic or a post out of everyone's sight (hiding it, moving its topic
into a category for some groups, narrowing its category to groups, unmarking an answer) takes
its feed items with it, so the feed never shows what members can't read."""

from sqlalchemy import ColumnElement, String, cast, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from portal.community.models import Category, Post, Topic
from portal.community.service.earning import short
from portal.i18n import N_
from portal.people.models import User
from portal.points import service as points
from portal.points.models import FeedKind
from portal.wording import wording

TOPIC_KEY = "community:topic:"
ANSWER_KEY = "community:answer:"


def _key(prefix: str, column: InstrumentedAttribute[int]) -> ColumnElement[str]:
    return literal(prefix) + cast(column, String)


async def _for_everyone(session: AsyncSession, topic: Topic) -> bool:
    category = await session.get(Category, topic.category_id)
    return (
        topic.is_approved
        and not topic.is_hidden
        and category is not None
        and not category.is_targeted
    )


async def announce_topic(session: AsyncSession, *, topic: Topic, author: User) -> None:
    if await _for_everyone(session, topic):
        await points.add_feed_item(
            session,
            user=author,
            kind=FeedKind.COMMUNITY_TOPIC,
            text=wording(N_("started the topic “%(title)s”"), title=short(topic.title)),
            event_key=f"{TOPIC_KEY}{topic.id}",
        )


async def announce_answer(session: AsyncSession, *, post: Post, topic: Topic, author: User) -> None:
    if not post.is_hidden and await _for_everyone(session, topic):
        await points.add_feed_item(
            session,
            user=author,
            kind=FeedKind.COMMUNITY_ANSWER,
            text=wording(N_("answered “%(title)s”"), title=short(topic.title)),
            event_key=f"{ANSWER_KEY}{post.id}",
        )


async def withdraw_post(session: AsyncSession, post_id: int) -> None:
    """A reply no longer the answer, or hidden."""
    await points.remove_feed_items(session, select(literal(f"{ANSWER_KEY}{post_id}")))


async def withdraw_topics(session: AsyncSession, topic_ids: ColumnElement[bool]) -> None:
    """The topics matching `topic_ids` (a condition on Topic) and the answers in them."""
    topics = select(_key(TOPIC_KEY, Topic.id)).where(topic_ids)
    answers = (
        select(_key(ANSWER_KEY, Post.id))
        .join(Topic, Topic.id == Post.topic_id)
        .where(topic_ids, Post.is_answer.is_(True))
    )
    await points.remove_feed_items(session, select(union_all(topics, answers).subquery()))
