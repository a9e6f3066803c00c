"""Moderation: staff pin, lock, hide and move topics (members can't); a flag reaches the queue
and hiding the post there removes it at once from the topic, the lists and the digest; edits
keep the body before them and tell only people newly mentioned."""

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.community import service, settings
from portal.community.models import Post
from portal.errors import Forbidden, NotFound
from portal.notifications.models import Notification
from portal.points import service as points
from tests.community.helpers import make_category, make_reply, make_topic
from tests.factories import make_advocate, make_marketer


async def test_staff_pin_lock_hide_and_move_a_topic_and_members_cannot(
    session: AsyncSession,
) -> None:
    staff = await make_marketer(session)
    member = await make_advocate(session)
    tips = await make_category(session, "Product tips")
    feedback = await make_category(session, "Feedback")
    topic = await make_topic(session, member, tips, title="Please add dark mode")
    with pytest.raises(Forbidden):
        await service.moderate_topic(
            session, staff=member, topic_id=topic.id, action=service.TopicAction.PIN
        )
    for action in (service.TopicAction.PIN, service.TopicAction.LOCK):
        await service.moderate_topic(session, staff=staff, topic_id=topic.id, action=action)
    await service.moderate_topic(
        session,
        staff=staff,
        topic_id=topic.id,
        action=service.TopicAction.MOVE,
        category_id=feedback.id,
    )
    assert (topic.is_pinned, topic.is_locked, topic.category_id) == (True, True, feedback.id)
    with pytest.raises(service.TopicLocked):
        await make_reply(session, member, topic)

    await service.moderate_topic(
        session, staff=staff, topic_id=topic.id, action=service.TopicAction.HIDE
    )
    assert (await service.list_topics(session, viewer=member)).total == 0
    with pytest.raises(NotFound):
        await service.access_topic(session, viewer=member, topic_id=topic.id)
    assert (await service.list_topics(session, viewer=staff)).total == 1


async def test_a_flagged_post_hidden_from_the_queue_disappears_for_members(
    session: AsyncSession,
) -> None:
    staff = await make_marketer(session)
    author = await make_advocate(session)
    spammer = await make_advocate(session)
    reader = await make_advocate(session)
    topic = await make_topic(session, author, await make_category(session))
    spam = await make_reply(session, spammer, topic, "Cheap watches at example.com")
    await service.flag_post(session, viewer=reader, post_id=spam.id, reason="Spam")
    with pytest.raises(service.AlreadyFlagged):
        await service.flag_post(session, viewer=reader, post_id=spam.id, reason="Spam again")
    with pytest.raises(service.OwnPostFlag):
        await service.flag_post(session, viewer=spammer, post_id=spam.id, reason="Oops")
    staff_bell = await session.scalar(
        select(Notification.title).where(Notification.user_id == staff.id)
    )
    assert staff_bell == f"{reader.display_name} flagged a community post"

    [flagged] = await service.open_flags(session)
    assert flagged.post.id == spam.id
    assert [flag.reason for flag in flagged.flags] == ["Spam"]
    await service.resolve_flags(session, staff=staff, post_id=spam.id, hide=True)
    assert await service.open_flags(session) == []
    with pytest.raises(NotFound):
        await service.access_post(session, viewer=reader, post_id=spam.id)
    with pytest.raises(NotFound):
        await service.toggle_helpful(session, viewer=reader, post_id=spam.id)
    view = await service.read_topic(session, viewer=reader, topic_id=topic.id, page=1)
    assert [post.is_hidden for post in view.posts.items] == [False, True]


async def test_an_edit_keeps_the_old_body_and_tells_only_the_newly_mentioned(
    session: AsyncSession,
) -> None:
    author = await make_advocate(session, name="Ada Author")
    first = await make_advocate(session, name="Bea First")
    second = await make_advocate(session, name="Cy Second")
    topic = await make_topic(session, author, await make_category(session))
    post = await make_reply(session, author, topic, "Thanks @Bea First")
    with pytest.raises(Forbidden):
        await service.edit_post(session, editor=first, post_id=post.id, body="Mine now")
    await service.edit_post(
        session, editor=author, post_id=post.id, body="Thanks @Bea First and @Cy Second"
    )
    _, revisions = await service.post_history(session, viewer=first, post_id=post.id)
    assert [revision.body_html for revision in revisions] == ["<p>Thanks @Bea First</p>"]
    edited = await session.get(Post, post.id)
    assert edited is not None
    assert edited.edited_at is not None
    for person in (first, second):
        told = await session.scalars(
            select(Notification.title).where(Notification.user_id == person.id)
        )
        assert len(list(told)) == 1


async def test_a_new_members_first_post_waits_for_approval_and_then_goes_live(
    session: AsyncSession,
) -> None:
    staff = await make_marketer(session)
    await settings.save_settings(session, actor=staff, approve_first_posts=1, points_topic=5)
    newcomer = await make_advocate(session, name="Nia Newcomer")
    reader = await make_advocate(session)
    category = await make_category(session)
    topic = await make_topic(session, newcomer, category, title="Hello from Nia")
    assert not topic.is_approved
    assert (await service.list_topics(session, viewer=reader)).total == 0
    with pytest.raises(NotFound):
        await service.access_topic(session, viewer=reader, topic_id=topic.id)
    assert (await service.list_topics(session, viewer=newcomer)).total == 1  # her own
    assert (await points.balance_of(session, newcomer)).current == 0
    staff_bell = await session.scalar(
        select(Notification.title).where(Notification.user_id == staff.id)
    )
    assert staff_bell == "Nia Newcomer's first community post waits for approval"

    [waiting] = await service.waiting_posts(session)
    await service.decide_waiting_post(session, staff=staff, post_id=waiting.post.id, approve=True)
    assert (await service.list_topics(session, viewer=reader)).total == 1
    assert (await points.balance_of(session, newcomer)).current == 5
    reply = await make_reply(session, newcomer, topic, "Second post: no waiting")
    assert reply.is_approved
    assert await service.waiting_posts(session) == []


async def test_a_rejected_first_reply_never_shows(session: AsyncSession) -> None:
    staff = await make_marketer(session)
    regular = await make_advocate(session)
    topic = await make_topic(session, staff, await make_category(session))  # reads the settings
    await settings.save_settings(session, actor=staff, approve_first_posts=1)  # seen at once
    spam = await make_reply(session, regular, topic, "Buy now")
    view = await service.read_topic(session, viewer=staff, topic_id=topic.id, page=1)
    assert [post.is_approved for post in view.posts.items] == [True, False]
    await service.decide_waiting_post(session, staff=staff, post_id=spam.id, approve=False)
    other = await make_advocate(session)
    view = await service.read_topic(session, viewer=other, topic_id=topic.id, page=1)
    assert view.posts.total == 1
    assert view.topic.reply_count == 0
