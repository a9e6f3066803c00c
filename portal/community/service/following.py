"""Who hears of a new post, in the bell: people @mentioned in it (once per post, and only those
who may see the topic), followers of the category of a new topic, and a topic's author of each
reply (unless they muted the topic); the last two by email too (`service.emails`). Following a
category and muting a topic are toggles."""

import re

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import links
from portal.community.models import (
    Category,
    CategoryFollow,
    CategoryGroup,
    Mention,
    Post,
    Topic,
    TopicMute,
)
from portal.community.service.browse import STAFF, access_category, access_topic
from portal.community.service.emails import email_new_topic, email_reply
from portal.i18n import N_
from portal.notifications import service as notifications
from portal.people.models import GroupMember, User, UserRole, UserStatus
from portal.sanitize import plain_text
from portal.wording import wording

# "@Priya" or "@Priya Raman": a name of one or two words after an @ (not an email address).
MENTION = re.compile(r"(?<![\w.])@([^\W\d_][\w'\u2019-]*(?:[ ][^\W\d_][\w'\u2019-]*)?)")
MAX_MENTIONS = 20


def mentioned_names(body_html: str) -> set[str]:
    """Lower-cased candidates: each @ with the one word after it, and with two words."""
    names: set[str] = set()
    for match in MENTION.finditer(plain_text(body_html)):
        words = match.group(1).split(" ")
        names.add(words[0].lower())
        names.add(" ".join(words).lower())
    return set(sorted(names)[: MAX_MENTIONS * 2])


async def _readers_of(session: AsyncSession, category_id: int, user_ids: set[int]) -> set[int]:
    """Those of `user_ids` who may see the category (active people only), in one query."""
    if not user_ids:
        return set()
    untargeted = exists(
        select(Category.id).where(Category.id == category_id, Category.is_targeted.is_(False))
    )
    in_a_group = exists(
        select(GroupMember.group_id)
        .join(CategoryGroup, CategoryGroup.group_id == GroupMember.group_id)
        .where(CategoryGroup.category_id == category_id, GroupMember.user_id == User.id)
    )
    staff = exists(
        select(UserRole.role).where(UserRole.user_id == User.id, UserRole.role.in_(STAFF))
    )
    return set(
        await session.scalars(
            select(User.id).where(
                User.id.in_(user_ids),
                User.status == UserStatus.ACTIVE,
                or_(untargeted, in_a_group, staff),
            )
        )
    )


async def mention_people(session: AsyncSession, post: Post, topic: Topic, author: User) -> set[int]:
    names = mentioned_names(post.body_html)
    if not names:
        return set()
    found = set(
        await session.scalars(
            select(User.id).where(func.lower(User.display_name).in_(names), User.id != author.id)
        )
    )
    already = set(await session.scalars(select(Mention.user_id).where(Mention.post_id == post.id)))
    told = await _readers_of(session, topic.category_id, found - already)
    session.add_all(Mention(post_id=post.id, user_id=user_id) for user_id in told)
    await notifications.notify_each(
        session,
        titles=dict.fromkeys(
            told,
            wording(
                N_("%(name)s mentioned you in “%(title)s”"),
                name=author.display_name,
                title=topic.title,
            ),
        ),
        kind="community_mention",
        link=links.path_for("community:post", post_id=post.id),
    )
    return told


async def tell_of_post(session: AsyncSession, *, post: Post, topic: Topic, author: User) -> None:
    """After a new topic or reply: mentions first; nobody hears of one post twice."""
    told = await mention_people(session, post, topic, author) | {author.id}
    link = links.path_for("community:post", post_id=post.id)
    if post.is_opening:
        followers = set(
            await session.scalars(
                select(CategoryFollow.user_id).where(
                    CategoryFollow.category_id == topic.category_id
                )
            )
        )
        readers = await _readers_of(session, topic.category_id, followers - told)
        await notifications.notify_each(
            session,
            titles=dict.fromkeys(readers, wording(N_("New topic: %(title)s"), title=topic.title)),
            kind="community_topic",
            link=link,
        )
        await email_new_topic(session, topic=topic, post=post, author=author, reader_ids=readers)
        return
    if topic.author_id is None or topic.author_id in told:
        return
    muted = await session.get(TopicMute, (topic.id, topic.author_id))
    if muted is None:
        await notifications.notify(
            session,
            user_id=topic.author_id,
            kind="community_reply",
            title=wording(
                N_("%(name)s replied to “%(title)s”"), name=author.display_name, title=topic.title
            ),
            link=link,
        )
        await email_reply(
            session, topic=topic, post=post, author=author, topic_author_id=topic.author_id
        )


async def is_following(session: AsyncSession, *, viewer: User, category: Category) -> bool:
    return await session.get(CategoryFollow, (category.id, viewer.id)) is not None


async def toggle_follow(session: AsyncSession, *, viewer: User, category_id: int) -> bool:
    """Follows the category, or stops; True when now following."""
    category = await access_category(session, viewer=viewer, category_id=category_id)
    if await is_following(session, viewer=viewer, category=category):
        await session.execute(
            delete(CategoryFollow).where(
                CategoryFollow.category_id == category.id, CategoryFollow.user_id == viewer.id
            )
        )
        return False
    session.add(CategoryFollow(category_id=category.id, user_id=viewer.id))
    await session.flush()
    return True


async def is_muted(session: AsyncSession, *, viewer: User, topic: Topic) -> bool:
    return await session.get(TopicMute, (topic.id, viewer.id)) is not None


async def toggle_mute(session: AsyncSession, *, viewer: User, topic_id: int) -> bool:
    """Stops the replies of a topic notifying the viewer, or starts them again; True when
    muted."""
    topic = await access_topic(session, viewer=viewer, topic_id=topic_id)
    if await is_muted(session, viewer=viewer, topic=topic):
        await session.execute(
            delete(TopicMute).where(TopicMute.topic_id == topic.id, TopicMute.user_id == viewer.id)
        )
        return False
    session.add(TopicMute(topic_id=topic.id, user_id=viewer.id))
    await session.flush()
    return True
