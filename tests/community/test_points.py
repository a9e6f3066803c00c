"""Points for taking part: per action as set, once per key, never for oneself (reacting to or
answering oneself, replying in one's own topic), and never past the daily cap."""

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.community import service, settings
from portal.community.models import Post, Topic
from portal.errors import Forbidden
from portal.people.models import User
from portal.points import service as points
from portal.points.models import LedgerEntry
from tests.community.helpers import make_category, make_reply, make_topic
from tests.factories import make_advocate, make_marketer


async def _balance(session: AsyncSession, user: User) -> int:
    return (await points.balance_of(session, user)).current


async def _opening(session: AsyncSession, topic: Topic) -> Post:
    post = await session.scalar(select(Post).where(Post.topic_id == topic.id, Post.is_opening))
    assert post is not None
    return post


async def test_topics_replies_and_answers_earn_as_set_but_never_for_oneself(
    session: AsyncSession,
) -> None:
    await settings.save_settings(
        session,
        actor=await make_marketer(session),
        points_topic=5,
        points_reply=2,
        points_answer=25,
    )
    asker = await make_advocate(session, name="Ada Asker")
    helper = await make_advocate(session, name="Hal Helper")
    topic = await make_topic(session, asker, await make_category(session))
    own_reply = await make_reply(session, asker, topic, "Any ideas, anyone?")
    good = await make_reply(session, helper, topic, "Try the rules page.")
    assert await _balance(session, asker) == 5  # the topic; not the reply in her own topic
    assert await _balance(session, helper) == 2

    assert await service.toggle_answer(session, viewer=asker, post_id=good.id) is True
    assert await _balance(session, helper) == 27
    assert await service.toggle_answer(session, viewer=asker, post_id=good.id) is False
    assert await service.toggle_answer(session, viewer=asker, post_id=good.id) is True
    assert await _balance(session, helper) == 27  # marked again: paid once

    assert await service.toggle_answer(session, viewer=asker, post_id=own_reply.id) is True
    assert await _balance(session, asker) == 5  # answering oneself earns nothing
    assert not (await session.get(Post, good.id)).is_answer  # type: ignore[union-attr]

    with pytest.raises(Forbidden):
        await service.toggle_answer(session, viewer=helper, post_id=good.id)
    with pytest.raises(service.NotAReply):
        await service.toggle_answer(
            session, viewer=asker, post_id=(await _opening(session, topic)).id
        )


async def test_helpful_pays_the_author_once_per_person_and_not_for_ones_own_post(
    session: AsyncSession,
) -> None:
    await settings.save_settings(
        session, actor=await make_marketer(session), points_topic=0, points_helpful=3
    )
    author = await make_advocate(session)
    reader = await make_advocate(session)
    topic = await make_topic(session, author, await make_category(session))
    opening = await _opening(session, topic)

    assert await service.toggle_helpful(session, viewer=reader, post_id=opening.id) is True
    assert await service.toggle_helpful(session, viewer=reader, post_id=opening.id) is False
    assert await service.toggle_helpful(session, viewer=reader, post_id=opening.id) is True
    await session.refresh(opening)
    assert opening.helpful_count == 1
    assert await _balance(session, author) == 3
    with pytest.raises(service.OwnPost):
        await service.toggle_helpful(session, viewer=author, post_id=opening.id)
    entry = await session.scalar(select(LedgerEntry).where(LedgerEntry.user_id == author.id))
    assert entry is not None
    assert (entry.source_type, entry.source_id) == ("community_post", opening.id)


async def test_the_daily_cap_stops_awards_that_would_pass_it(session: AsyncSession) -> None:
    await settings.save_settings(
        session,
        actor=await make_marketer(session),
        points_topic=0,
        points_helpful=4,
        daily_cap=10,
    )
    author = await make_advocate(session)
    topic = await make_topic(session, author, await make_category(session))
    opening = await _opening(session, topic)
    for _ in range(4):
        reader = await make_advocate(session)
        await service.toggle_helpful(session, viewer=reader, post_id=opening.id)
    assert await _balance(session, author) == 8  # a third award of 4 would pass 10
    await session.refresh(opening)
    assert opening.helpful_count == 4
