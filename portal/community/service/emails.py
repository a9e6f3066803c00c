"""Community email through the outbox, in each recipient's language: a new topic to the
followers of its category, a reply to the topic's author. Both are the community category
(switched off on the email preferences page, one-click unsubscribe in each email); muting a
topic stops its reply emails as it stops the bell. Only people who may read the topic are
written to, and only when the post goes live (a held first post waits for approval)."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import links
from portal.community.models import Category, Post, Topic
from portal.outbox import service as outbox
from portal.outbox.models import EmailCategory
from portal.people.models import User
from portal.sanitize import plain_text

MAX_EXCERPT = 300  # characters of the post's text


def _excerpt(post: Post) -> str:
    text = plain_text(post.body_html)
    return text if len(text) <= MAX_EXCERPT else text[:MAX_EXCERPT].rsplit(" ", 1)[0] + " …"


def _about_post(reader: User, *, author: User, topic: Topic, post: Post) -> dict[str, str]:
    """What every community email says of the post it tells about."""
    return {
        "name": reader.display_name,
        "author": author.display_name,
        "title": topic.title,
        "excerpt": _excerpt(post),
        "link": links.absolute_url("community:post", post_id=post.id),
    }


async def email_new_topic(
    session: AsyncSession, *, topic: Topic, post: Post, author: User, reader_ids: set[int]
) -> None:
    if not reader_ids:
        return
    category = await session.get(Category, topic.category_id)
    readers = await session.scalars(select(User).where(User.id.in_(reader_ids)))
    for reader in readers:
        await outbox.queue_email(
            session,
            to=reader.email,
            user_id=reader.id,
            kind="community_topic",
            category=EmailCategory.COMMUNITY,
            context={
                **_about_post(reader, author=author, topic=topic, post=post),
                "category": category.name if category else "",
            },
        )


async def email_reply(
    session: AsyncSession, *, topic: Topic, post: Post, author: User, topic_author_id: int
) -> None:
    owner = await session.get(User, topic_author_id)
    if owner is None:
        return
    await outbox.queue_email(
        session,
        to=owner.email,
        user_id=owner.id,
        kind="community_reply",
        category=EmailCategory.COMMUNITY,
        context={
            **_about_post(owner, author=author, topic=topic, post=post),
            "topic_link": links.absolute_url("community:topic", topic_id=topic.id),
        },
    )
