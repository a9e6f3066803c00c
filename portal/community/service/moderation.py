"""Keeping the community in order: staff pin, lock, hide and move topics; members flag a post
with a reason and staff work the queue (hide the post, or dismiss the flags); posts are edited
by their author (or staff) and every edit keeps the body before it. Hidden content leaves lists,
the digest and the topic at once (members see that a post was hidden, not what it said)."""

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal import links
from portal.audit import service as audit
from portal.clock import utcnow
from portal.community.models import Category, Flag, Post, Revision, Topic
from portal.community.service.browse import access_post, access_topic, is_staff
from portal.community.service.feed import withdraw_post, withdraw_topics
from portal.community.service.following import mention_people
from portal.community.service.posting import TopicLocked, cleaned_body, publish
from portal.errors import Conflict, Forbidden, NotFound
from portal.i18n import N_
from portal.notifications import service as notifications
from portal.people.models import User
from portal.wording import wording


class TopicAction(StrEnum):
    PIN = "pin"
    UNPIN = "unpin"
    LOCK = "lock"
    UNLOCK = "unlock"
    HIDE = "hide"
    SHOW = "show"
    MOVE = "move"


DONE = {
    TopicAction.PIN: "Pinned",
    TopicAction.UNPIN: "Unpinned",
    TopicAction.LOCK: "Locked",
    TopicAction.UNLOCK: "Unlocked",
    TopicAction.HIDE: "Hidden",
    TopicAction.SHOW: "Shown again",
    TopicAction.MOVE: "Moved",
}


class AlreadyFlagged(Conflict):
    message = N_("You have flagged this post already: the program team will look at it.")


class OwnPostFlag(Conflict):
    message = N_("That is your own post: edit it instead.")


def _staff_only(viewer: User) -> None:
    if not is_staff(viewer):
        raise Forbidden()


async def moderate_topic(
    session: AsyncSession,
    *,
    staff: User,
    topic_id: int,
    action: TopicAction,
    category_id: int | None = None,
) -> Topic:
    _staff_only(staff)
    topic = await access_topic(session, viewer=staff, topic_id=topic_id)
    if action is TopicAction.MOVE:
        target = await session.get(Category, category_id) if category_id is not None else None
        if target is None:
            raise NotFound()
        topic.category_id = target.id
        if target.is_targeted:  # no longer everyone's news
            await withdraw_topics(session, Topic.id == topic.id)
    else:
        flag = {
            TopicAction.PIN: ("is_pinned", True),
            TopicAction.UNPIN: ("is_pinned", False),
            TopicAction.LOCK: ("is_locked", True),
            TopicAction.UNLOCK: ("is_locked", False),
            TopicAction.HIDE: ("is_hidden", True),
            TopicAction.SHOW: ("is_hidden", False),
        }[action]
        setattr(topic, *flag)
        if action is TopicAction.HIDE:
            await withdraw_topics(session, Topic.id == topic.id)
    await audit.record(
        session,
        actor=staff,
        action=f"community.topic_{action.value}",
        target_type="community_topic",
        target_id=topic.id,
        summary=f"{DONE[action]} the topic “{topic.title}”",
    )
    await session.flush()
    return topic


async def flag_post(session: AsyncSession, *, viewer: User, post_id: int, reason: str) -> Flag:
    post = await access_post(session, viewer=viewer, post_id=post_id)
    if post.author_id == viewer.id:
        raise OwnPostFlag()
    flag = Flag(post_id=post.id, user_id=viewer.id, reason=reason)
    try:
        async with session.begin_nested():
            session.add(flag)
    except IntegrityError:
        raise AlreadyFlagged() from None
    await notifications.notify_program_staff(
        session,
        kind="community_flag",
        title=wording(N_("%(name)s flagged a community post"), name=viewer.display_name),
        body=reason[:500],
        link=links.path_for("manage_community:queue"),
    )
    return flag


@dataclass(frozen=True)
class FlaggedPost:
    post: Post
    topic: Topic
    flags: list[Flag]


async def open_flags(session: AsyncSession) -> list[FlaggedPost]:
    """Posts with open flags, the longest-waiting first."""
    flags = list(
        await session.scalars(
            select(Flag)
            .where(Flag.resolved_at.is_(None))
            .options(selectinload(Flag.user))
            .order_by(Flag.id)
        )
    )
    by_post: dict[int, list[Flag]] = {}
    for flag in flags:
        by_post.setdefault(flag.post_id, []).append(flag)
    posts = {
        post.id: post
        for post in await session.scalars(
            select(Post).where(Post.id.in_(by_post)).options(selectinload(Post.author))
        )
    }
    topics = {
        topic.id: topic
        for topic in await session.scalars(
            select(Topic).where(Topic.id.in_({post.topic_id for post in posts.values()}))
        )
    }
    return [
        FlaggedPost(posts[post_id], topics[posts[post_id].topic_id], post_flags)
        for post_id, post_flags in by_post.items()
    ]


async def awaiting_moderation(session: AsyncSession) -> int:
    """Open flags and first posts held for approval, counted in one statement."""
    flags = select(func.count()).where(Flag.resolved_at.is_(None)).scalar_subquery()
    held = (
        select(func.count())
        .where(Post.is_approved.is_(False), Post.is_hidden.is_(False))
        .scalar_subquery()
    )
    return await session.scalar(select(flags + held)) or 0


async def resolve_flags(session: AsyncSession, *, staff: User, post_id: int, hide: bool) -> Post:
    """Hides the post (its topic too, for an opening post) or dismisses its flags."""
    _staff_only(staff)
    post = await access_post(session, viewer=staff, post_id=post_id)
    await session.execute(
        update(Flag)
        .where(Flag.post_id == post.id, Flag.resolved_at.is_(None))
        .values(
            resolved_at=utcnow(), resolved_by_id=staff.id, outcome="hidden" if hide else "dismissed"
        )
    )
    if hide:
        post.is_hidden = True
        if post.is_opening:
            await session.execute(
                update(Topic).where(Topic.id == post.topic_id).values(is_hidden=True)
            )
            await withdraw_topics(session, Topic.id == post.topic_id)
        else:
            await withdraw_post(session, post.id)
    await audit.record(
        session,
        actor=staff,
        action="community.post_hidden" if hide else "community.flags_dismissed",
        target_type="community_post",
        target_id=post.id,
        summary="Hid a flagged post" if hide else "Dismissed the flags of a post",
    )
    await session.flush()
    return post


def may_edit(viewer: User, post: Post) -> bool:
    return post.author_id == viewer.id or is_staff(viewer)


async def edit_post(session: AsyncSession, *, editor: User, post_id: int, body: str) -> Post:
    """A new body for the post; the old one goes to its history, and people newly @mentioned
    hear of it (those mentioned before don't hear again)."""
    post = await access_post(session, viewer=editor, post_id=post_id)
    if not may_edit(editor, post):
        raise Forbidden(N_("Only its author or the program team edit a post."))
    topic = await access_topic(session, viewer=editor, topic_id=post.topic_id)
    if topic.is_locked and not is_staff(editor):
        raise TopicLocked()
    body_html = cleaned_body(body)
    if body_html == post.body_html:
        return post
    session.add(Revision(post_id=post.id, editor_id=editor.id, body_html=post.body_html))
    post.body_html = body_html
    post.edited_at = utcnow()
    await session.flush()
    if post.author is not None:
        await mention_people(session, post, topic, post.author)
    return post


async def post_history(
    session: AsyncSession, *, viewer: User, post_id: int
) -> tuple[Post, list[Revision]]:
    """The post and its earlier bodies, newest first."""
    post = await access_post(session, viewer=viewer, post_id=post_id)
    revisions = await session.scalars(
        select(Revision)
        .where(Revision.post_id == post.id)
        .options(selectinload(Revision.editor))
        .order_by(Revision.id.desc())
    )
    return post, list(revisions)


@dataclass(frozen=True)
class WaitingPost:
    post: Post
    topic: Topic


async def waiting_posts(session: AsyncSession) -> list[WaitingPost]:
    """First posts held for approval (and not rejected), the longest-waiting first."""
    rows = await session.execute(
        select(Post, Topic)
        .join(Topic, Topic.id == Post.topic_id)
        .where(Post.is_approved.is_(False), Post.is_hidden.is_(False))
        .options(selectinload(Post.author))
        .order_by(Post.id)
    )
    return [WaitingPost(post, topic) for post, topic in rows]


async def decide_waiting_post(
    session: AsyncSession, *, staff: User, post_id: int, approve: bool
) -> Post:
    """Approves a held first post (it goes live: counts, points, notifications) or rejects it
    (hidden for good; a rejected opening post hides its topic)."""
    _staff_only(staff)
    post = await access_post(session, viewer=staff, post_id=post_id)
    topic = await access_topic(session, viewer=staff, topic_id=post.topic_id)
    if post.is_approved or post.is_hidden:
        raise NotFound()
    if approve:
        post.is_approved = True
        if post.is_opening:
            topic.is_approved = True
            topic.last_posted_at = utcnow()
        await session.flush()
        if post.author is not None:
            await publish(session, post=post, topic=topic, author=post.author)
    else:
        post.is_hidden = True
        if post.is_opening:
            topic.is_hidden = True
    await audit.record(
        session,
        actor=staff,
        action="community.post_approved" if approve else "community.post_rejected",
        target_type="community_post",
        target_id=post.id,
        summary="Approved a first post" if approve else "Rejected a first post",
    )
    await session.flush()
    return post
