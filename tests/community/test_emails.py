"""Community email: a new topic to its category's followers and a reply to the topic's author,
each in the recipient's language, never to someone who muted the topic, switched community
email off or may not read the category, and never for a post still waiting for approval."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.community import service, settings
from portal.outbox import preferences
from portal.outbox.models import EmailCategory, OutboxEmail
from tests.community.helpers import make_category, make_group, make_reply, make_topic
from tests.factories import make_advocate, make_marketer


async def _emails(session: AsyncSession, kind: str) -> list[OutboxEmail]:
    return list(
        await session.scalars(
            select(OutboxEmail).where(OutboxEmail.kind == kind).order_by(OutboxEmail.id)
        )
    )


async def test_a_new_topic_is_emailed_to_followers_in_their_language(
    session: AsyncSession,
) -> None:
    german = await make_advocate(session, name="Tom Fischer", email="tom@example.com")
    german.language = "de"
    switched_off = await make_advocate(session, email="off@example.com")
    await preferences.save_preferences(
        session, user=switched_off, wanted=set(EmailCategory) - {EmailCategory.COMMUNITY}
    )
    category = await make_category(session, "Produkttipps")
    for follower in (german, switched_off):
        await service.toggle_follow(session, viewer=follower, category_id=category.id)
    author = await make_advocate(session, name="Priya Raman")
    await make_topic(session, author, category, title="Tastenkürzel", body="Drücken Sie /.")

    [email] = await _emails(session, "community_topic")
    assert email.to_address == "tom@example.com"
    assert email.subject == "Neu in Produkttipps: Tastenkürzel"
    assert "Priya Raman hat ein Thema in Produkttipps begonnen" in email.text_body
    assert "Drücken Sie /." in email.text_body
    assert "/community/p/" in email.text_body
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


async def test_a_reply_is_emailed_to_the_topics_author_until_they_mute_it(
    session: AsyncSession,
) -> None:
    asker = await make_advocate(session, name="Ada Asker", email="ada@example.com")
    topic = await make_topic(session, asker, await make_category(session), title="Alerts?")
    await make_reply(session, await make_advocate(session, name="Hal Helper"), topic)
    [email] = await _emails(session, "community_reply")
    assert email.to_address == "ada@example.com"
    assert email.subject == "Hal Helper replied to “Alerts?”"
    assert "Stop telling me of new replies" in email.text_body
    assert f"/community/t/{topic.id}" in email.text_body

    await service.toggle_mute(session, viewer=asker, topic_id=topic.id)
    await make_reply(session, await make_advocate(session), topic)
    await make_reply(session, asker, topic)  # one's own reply: no email either
    assert len(await _emails(session, "community_reply")) == 1


async def test_no_email_for_a_category_one_may_not_read_or_a_post_awaiting_approval(
    session: AsyncSession,
) -> None:
    outsider = await make_advocate(session)
    insider = await make_advocate(session)
    group = await make_group(session, "Partners", insider)
    closed = await make_category(session, "Partners", groups=(group,))
    open_category = await make_category(session, "Product tips")
    for category in (closed, open_category):
        await service.toggle_follow(session, viewer=insider, category_id=category.id)
    await service.toggle_follow(session, viewer=outsider, category_id=open_category.id)
    # The outsider followed before the category was closed to them: still no email.
    await make_topic(session, insider, closed, title="Partner pricing")
    assert await _emails(session, "community_topic") == []

    await settings.save_settings(session, actor=await make_marketer(session), approve_first_posts=1)
    newcomer = await make_advocate(session)
    await make_topic(session, newcomer, open_category, title="My first question")
    assert await _emails(session, "community_topic") == []
