"""Writing in the community: starting a topic (its opening post) and replying, optionally
quoting another post. Every body passes the one sanitizer; a quote is the quoted post's text
(not its HTML, so quotes don't nest) under its author's name."""

import html

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import utcnow
from portal.community.models import Category, Post, Topic
from portal.community.service.browse import access_category, access_post, access_topic, is_staff
from portal.community.service.earning import earn, settings_once
from portal.community.service.following import tell_of_post
from portal.errors import Conflict, PortalError
from portal.people.models import User
from portal.sanitize import clean_html, plain_text

MAX_BODY = 20_000  # characters as typed
MAX_QUOTE = 600  # characters of the quoted post's text


class EmptyPost(PortalError):
    status_code = 422
    message = "Write something: the post is empty."


class TopicLocked(Conflict):
    message = "This topic is locked: it takes no new replies."


def short(title: str) -> str:
    """A title short enough for a ledger reason."""
    return title if len(title) <= 80 else title[:79] + "…"


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


async def start_topic(
    session: AsyncSession, *, author: User, category_id: int, title: str, body: str
) -> Topic:
    category: Category = await access_category(session, viewer=author, category_id=category_id)
    body_html = cleaned_body(body)
    now = utcnow()
    topic = Topic(
        category_id=category.id,
        author_id=author.id,
        title=title,
        created_at=now,
        last_posted_at=now,
    )
    session.add(topic)
    await session.flush()
    opening = Post(topic_id=topic.id, author_id=author.id, body_html=body_html, is_opening=True)
    session.add(opening)
    await session.flush()
    await earn(
        session,
        user=author,
        amount=(await settings_once(session)).points_topic,
        reason=f"Started the topic “{short(title)}”",
        key=f"community:topic:{topic.id}",
        post_id=opening.id,
    )
    await tell_of_post(session, post=opening, topic=topic, author=author)
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
    post = Post(topic_id=topic.id, author_id=author.id, body_html=body_html)
    session.add(post)
    await session.flush()
    # One statement, so two replies at once both count.
    await session.execute(
        update(Topic)
        .where(Topic.id == topic.id)
        .values(reply_count=Topic.reply_count + 1, last_posted_at=post.created_at)
    )
    if topic.author_id != author.id:  # talking in one's own topic earns nothing
        await earn(
            session,
            user=author,
            amount=(await settings_once(session)).points_reply,
            reason=f"Replied to “{short(topic.title)}”",
            key=f"community:reply:{post.id}",
            post_id=post.id,
        )
    await tell_of_post(session, post=post, topic=topic, author=author)
    return post
