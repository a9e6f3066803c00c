"""Writing in the community: starting a topic (its opening post) and replying, optionally
quoting another post. Every body passes the one sanitizer; a quote is the quoted post's text
(not its HTML, so quotes don't nest) under its author's name."""

import html

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal import links
from portal.clock import utcnow
from portal.community.models import Category, Post, Topic
from portal.community.service.badges import Measure, award_participation_badges
from portal.community.service.browse import access_category, access_post, access_topic, is_staff
from portal.community.service.earning import earn, settings_once, short
from portal.community.service.feed import announce_topic
from portal.community.service.following import tell_of_post
from portal.errors import Conflict, PortalError
from portal.i18n import N_
from portal.notifications import service as notifications
from portal.people.models import User
from portal.sanitize import clean_html, plain_text
from portal.wording import wording

MAX_BODY = 20_000  # characters as typed
MAX_QUOTE = 600  # characters of the quoted post's text


class EmptyPost(PortalError):
    status_code = 422
    message = N_("Write something: the post is empty.")


class TopicLocked(Conflict):
    message = N_("This topic is locked: it takes no new replies.")


def cleaned_body(body: str) -> str:
    body_html = clean_html(body)
    if not plain_text(body_html):
        raise EmptyPost()
    return body_html


def quoted_html(post: Post) -> str:
    """The quote a reply opens with: who wrote it, and the start of what they wrote."""
    name = post.author.display_name if post.author else "A former member"
    text = plain_text(post.body_html)
    if len(text) > MAX_QUOTE:
        text = text[:MAX_QUOTE].rsplit(" ", 1)[0] + " …"
    paragraphs = "".join(
        f"<p>{html.escape(paragraph)}</p>" for paragraph in text.split("\n\n") if paragraph
    )
    return (
        f"<blockquote><p><strong>{html.escape(name)}</strong> wrote:</p>{paragraphs}</blockquote>"
    )


async def held_for_approval(session: AsyncSession, author: User) -> bool:
    """A member's first post waits for staff when the program asks for it."""
    if not (await settings_once(session)).approve_first_posts or is_staff(author):
        return False
    approved = await session.scalar(
        select(Post.id).where(Post.author_id == author.id, Post.is_approved.is_(True)).limit(1)
    )
    return approved is None


async def start_topic(
    session: AsyncSession, *, author: User, category_id: int, title: str, body: str
) -> Topic:
    """The topic and its opening post; a first post held for approval is seen by its author
    and staff only, and earns and tells nobody until approved."""
    category: Category = await access_category(session, viewer=author, category_id=category_id)
    body_html = cleaned_body(body)
    held = await held_for_approval(session, author)
    now = utcnow()
    topic = Topic(
        category_id=category.id,
        author_id=author.id,
        title=title,
        created_at=now,
        last_posted_at=now,
        is_approved=not held,
    )
    session.add(topic)
    await session.flush()
    opening = Post(
        topic_id=topic.id,
        author_id=author.id,
        body_html=body_html,
        is_opening=True,
        is_approved=not held,
    )
    session.add(opening)
    await session.flush()
    if held:
        await _ask_staff(session, author)
    else:
        await publish(session, post=opening, topic=topic, author=author)
    return topic


async def reply(
    session: AsyncSession,
    *,
    author: User,
    topic_id: int,
    body: str,
    quoted_post_id: int | None = None,
) -> Post:
    topic = await access_topic(session, viewer=author, topic_id=topic_id)
    if topic.is_locked and not is_staff(author):
        raise TopicLocked()
    body_html = cleaned_body(body)
    if quoted_post_id is not None:
        quoted = await access_post(session, viewer=author, post_id=quoted_post_id)
        if quoted.topic_id == topic.id:
            body_html = clean_html(quoted_html(quoted) + body_html)
    held = await held_for_approval(session, author)
    post = Post(topic_id=topic.id, author_id=author.id, body_html=body_html, is_approved=not held)
    session.add(post)
    await session.flush()
    if held:
        await _ask_staff(session, author)
    else:
        await publish(session, post=post, topic=topic, author=author)
    return post


async def _ask_staff(session: AsyncSession, author: User) -> None:
    await notifications.notify_program_staff(
        session,
        kind="community_approval",
        title=wording(
            N_("%(name)s's first community post waits for approval"), name=author.display_name
        ),
        link=links.path_for("manage_community:queue"),
    )


async def publish(session: AsyncSession, *, post: Post, topic: Topic, author: User) -> None:
    """What a post's going live brings: the topic's count and activity, the author's points
    and the people it tells."""
    if post.is_opening:
        await earn(
            session,
            user=author,
            amount=(await settings_once(session)).points_topic,
            reason=wording(N_("Started the topic “%(title)s”"), title=short(topic.title)),
            key=f"community:topic:{topic.id}",
            post_id=post.id,
        )
        await award_participation_badges(session, author, Measure.TOPICS)
        await announce_topic(session, topic=topic, author=author)
    else:
        # One statement, so two replies at once both count.
        await session.execute(
            update(Topic)
            .where(Topic.id == topic.id)
            .values(reply_count=Topic.reply_count + 1, last_posted_at=utcnow())
        )
        if topic.author_id != author.id:  # talking in one's own topic earns nothing
            await earn(
                session,
                user=author,
                amount=(await settings_once(session)).points_reply,
                reason=wording(N_("Replied to “%(title)s”"), title=short(topic.title)),
                key=f"community:reply:{post.id}",
                post_id=post.id,
            )
            await award_participation_badges(session, author, Measure.REPLIES)
    await tell_of_post(session, post=post, topic=topic, author=author)
