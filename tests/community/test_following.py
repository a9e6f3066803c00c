"""Who hears of a post: @mentions notify once and only people who may see the topic; followers
of a category hear of new topics; a topic's author hears of replies until they mute it; the
weekly digest names the week's liveliest topics, never hidden or targeted ones."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.community import service
from portal.engagement import service as engagement
from portal.notifications.models import Notification
from portal.outbox.models import OutboxEmail
from portal.people.models import User
from tests.community.helpers import make_category, make_group, make_reply, make_topic
from tests.factories import make_advocate


async def _titles(session: AsyncSession, user: User) -> list[str]:
    return list(
        await session.scalars(
            select(Notification.title)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    )


async def test_a_mention_notifies_once_and_never_someone_who_cannot_see_the_topic(
    session: AsyncSession,
) -> None:
    author = await make_advocate(session, name="Ada Author")
    priya = await make_advocate(session, name="Priya Raman")
    outsider = await make_advocate(session, name="Otto Outsider")
    insiders = await make_category(
        session, "Beta", groups=(await make_group(session, "Beta", author, priya),)
    )
    topic = await make_topic(
        session,
        author,
        insiders,
        body="Thanks @Priya Raman, and again @priya raman! Also @Otto Outsider and @Ada Author.",
    )
    assert await _titles(session, priya) == [f"Ada Author mentioned you in “{topic.title}”"]
    assert await _titles(session, outsider) == []
    assert await _titles(session, author) == []


async def test_followers_hear_of_new_topics_and_authors_of_replies_until_muted(
    session: AsyncSession,
) -> None:
    follower = await make_advocate(session, name="Fran Follower")
    author = await make_advocate(session, name="Ada Author")
    replier = await make_advocate(session, name="Rob Replier")
    category = await make_category(session, "Events")
    assert await service.toggle_follow(session, viewer=follower, category_id=category.id)
    topic = await make_topic(session, author, category, title="Meetup in Lisbon")
    assert await _titles(session, follower) == ["New topic: Meetup in Lisbon"]

    await make_reply(session, replier, topic, "Count me in")
    await make_reply(session, author, topic, "Great!")  # her own reply tells nobody
    assert await _titles(session, author) == ["Rob Replier replied to “Meetup in Lisbon”"]
    assert await service.toggle_mute(session, viewer=author, topic_id=topic.id)
    await make_reply(session, replier, topic, "See you there")
    assert len(await _titles(session, author)) == 1

    assert not await service.toggle_follow(session, viewer=follower, category_id=category.id)
    await make_topic(session, author, category, title="Another meetup")
    assert len(await _titles(session, follower)) == 1


async def test_the_digest_names_the_weeks_busiest_topics_but_not_hidden_or_targeted_ones(
    session: AsyncSession,
) -> None:
    reader = await make_advocate(session)
    author = await make_advocate(session)
    open_category = await make_category(session, "Product tips")
    private = await make_category(
        session, "Beta", groups=(await make_group(session, "Beta", author),)
    )
    monday = clock.utcnow() - timedelta(days=clock.utcnow().weekday())
    with clock.shifted(-timedelta(days=clock.utcnow().weekday() + 3)):  # last week
        lively = await make_topic(session, author, open_category, title="Lively discussion")
        await make_reply(session, reader, lively, "Agreed")
        await make_topic(session, author, open_category, title="Quiet question")
        hidden = await make_topic(session, author, open_category, title="Spam topic")
        await make_reply(session, reader, hidden, "Buy now")
        await make_reply(session, reader, hidden, "Buy now")
        await make_topic(session, author, private, title="Secret beta topic")
    hidden.is_hidden = True
    await session.flush()
    await engagement.send_weekly_digest(session, now=monday + timedelta(hours=8))
    digest = await session.scalar(
        select(OutboxEmail).where(
            OutboxEmail.kind == "weekly_digest", OutboxEmail.user_id == reader.id
        )
    )
    assert digest is not None
    assert "Talked about in the community: Lively discussion, Quiet question" in digest.text_body
    assert "Spam" not in digest.text_body
    assert "Secret" not in digest.text_body
