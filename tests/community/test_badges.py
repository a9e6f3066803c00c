"""Participation badges: five topics, three answers and ten "helpful"s each bring theirs; hidden
posts and posts in one's own topic never count; My badges shows how far a person is."""

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.community import service
from portal.community.models import Post
from portal.people.models import User
from portal.points import service as points
from portal.points.models import Badge, BadgeRule
from tests.community.helpers import make_category, make_reply, make_topic
from tests.factories import login_as, make_advocate, make_marketer


async def _holds(session: AsyncSession, user: User, rule: BadgeRule) -> bool:
    return rule in {held.badge.rule for held in await points.badges_of(session, user)}


async def test_the_fifth_topic_brings_its_badge_and_a_hidden_topic_does_not_count(
    session: AsyncSession,
) -> None:
    starter = await make_advocate(session)
    staff = await make_marketer(session)
    category = await make_category(session)
    first = await make_topic(session, starter, category, title="Topic number one")
    await service.moderate_topic(
        session, staff=staff, topic_id=first.id, action=service.TopicAction.HIDE
    )
    for n in range(2, 6):
        await make_topic(session, starter, category, title=f"Topic number {n}")
    assert not await _holds(session, starter, BadgeRule.COMMUNITY_TOPICS_5)
    assert (await service.participation_of(session, starter)).topics == 4
    await make_topic(session, starter, category, title="Topic number six")
    assert await _holds(session, starter, BadgeRule.COMMUNITY_TOPICS_5)


async def test_answers_count_only_in_others_topics(session: AsyncSession) -> None:
    helper = await make_advocate(session)
    category = await make_category(session)
    own = await make_topic(session, helper, category, title="My own question")
    await service.toggle_answer(
        session, viewer=helper, post_id=(await make_reply(session, helper, own)).id
    )
    for n in range(3):
        asker = await make_advocate(session)
        topic = await make_topic(session, asker, category, title=f"Question number {n}")
        reply = await make_reply(session, helper, topic)
        assert not await _holds(session, helper, BadgeRule.COMMUNITY_ANSWERS_3)
        await service.toggle_answer(session, viewer=asker, post_id=reply.id)
    taking_part = await service.participation_of(session, helper)
    assert (taking_part.answers, taking_part.replies) == (3, 3)
    assert await _holds(session, helper, BadgeRule.COMMUNITY_ANSWERS_3)


async def test_ten_helpful_reactions_bring_the_badge(session: AsyncSession) -> None:
    author = await make_advocate(session)
    topic = await make_topic(session, author, await make_category(session))
    opening = await session.scalar(select(Post).where(Post.topic_id == topic.id))
    assert opening is not None
    readers = [await make_advocate(session) for _ in range(10)]
    for reader in readers[:9]:
        await service.toggle_helpful(session, viewer=reader, post_id=opening.id)
    # Taking a reaction back and giving it again is still one.
    await service.toggle_helpful(session, viewer=readers[0], post_id=opening.id)
    await service.toggle_helpful(session, viewer=readers[0], post_id=opening.id)
    assert not await _holds(session, author, BadgeRule.COMMUNITY_HELPFUL_10)
    await service.toggle_helpful(session, viewer=readers[9], post_id=opening.id)
    assert await _holds(session, author, BadgeRule.COMMUNITY_HELPFUL_10)


async def test_my_badges_shows_community_progress(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    category = await make_category(session)
    other = await make_topic(session, await make_advocate(session), category)
    for n in range(2):
        await make_topic(session, advocate, category, title=f"Advocate topic {n}")
        await make_reply(session, advocate, other)
    starter = await session.scalar(select(Badge).where(Badge.rule == BadgeRule.COMMUNITY_TOPICS_5))
    replies = await session.scalar(
        select(Badge).where(Badge.rule == BadgeRule.COMMUNITY_REPLIES_25)
    )
    assert starter is not None
    assert replies is not None
    await login_as(client, advocate)
    page = BeautifulSoup((await client.get("/badges")).text, "html.parser")
    starter_row = page.select_one(f"#badge-{starter.id}")
    assert "2 of 5 topics" in starter_row.get_text()
    assert starter_row.select_one("[role=progressbar]")["aria-valuenow"] == "40"
    assert "2 of 25 replies" in page.select_one(f"#badge-{replies.id}").get_text()
