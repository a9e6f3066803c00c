"""The accepted answer: the topic's author (or staff) marks one reply as the answer, or takes
the mark back. Its author earns points once per reply, unless they answered their own topic or
marked their own reply."""

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import utcnow
from portal.community.models import Post, Topic
from portal.community.service.badges import Measure, award_participation_badges
from portal.community.service.browse import access_post, access_topic, is_staff
from portal.community.service.earning import earn, settings_once, short
from portal.community.service.feed import announce_answer, withdraw_post
from portal.errors import Conflict, Forbidden
from portal.i18n import N_
from portal.people.models import User
from portal.wording import wording


class NotAReply(Conflict):
    message = N_("Only a reply can be the answer.")


def may_accept(viewer: User, topic: Topic) -> bool:
    return topic.author_id == viewer.id or is_staff(viewer)


async def toggle_answer(session: AsyncSession, *, viewer: User, post_id: int) -> bool:
    """Makes the reply its topic's answer (replacing any other), or unmarks it; True when it
    is now the answer."""
    post = await access_post(session, viewer=viewer, post_id=post_id)
    topic = await access_topic(session, viewer=viewer, topic_id=post.topic_id)
    if not may_accept(viewer, topic):
        raise Forbidden(N_("Only the topic's author or the program team choose its answer."))
    if post.is_opening:
        raise NotAReply()
    if post.is_answer:
        post.is_answer = False
        topic.answered_at = None
        await session.flush()
        await withdraw_post(session, post.id)
        return False
    for previous in await session.scalars(
        select(Post.id).where(Post.topic_id == topic.id, Post.is_answer.is_(True))
    ):
        await withdraw_post(session, previous)
    await session.execute(
        update(Post)
        .where(Post.topic_id == topic.id, Post.is_answer.is_(True))
        .values(is_answer=False)
    )
    post.is_answer = True
    topic.answered_at = utcnow()
    await session.flush()
    author = post.author
    if author is not None and author.id not in (topic.author_id, viewer.id):
        await earn(
            session,
            user=author,
            amount=(await settings_once(session)).points_answer,
            reason=wording(N_("Your reply answered “%(title)s”"), title=short(topic.title)),
            key=f"community:answer:{post.id}",
            post_id=post.id,
        )
        await award_participation_badges(session, author, Measure.ANSWERS)
        await announce_answer(session, post=post, topic=topic, author=author)
    return True
