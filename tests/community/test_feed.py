"""New topics and accepted answers reach the activity feed only where everyone may read them,
and leave it when hiding, a move or a category's narrowing takes them out of everyone's sight."""

from sqlalchemy.ext.asyncio import AsyncSession

from portal.community import service
from portal.people.models import User
from portal.points import service as points
from tests.community.helpers import make_category, make_group, make_reply, make_topic
from tests.factories import make_advocate, make_marketer


async def _feed(session: AsyncSession, viewer: User) -> list[str]:
    return [
        f"{entry.who} {entry.text}"
        for entry in await points.community_feed(session, viewer=viewer, limit=20)
    ]


async def test_a_topic_and_its_answer_are_news_until_the_topic_is_hidden(
    session: AsyncSession,
) -> None:
    reader = await make_advocate(session)
    asker = await make_advocate(session, name="Ada Asker")
    helper = await make_advocate(session, name="Hal Helper")
    for person in (asker, helper):
        person.show_in_feed = True
    topic = await make_topic(session, asker, await make_category(session), title="Pallets?")
    reply = await make_reply(session, helper, topic)
    await service.toggle_answer(session, viewer=asker, post_id=reply.id)
    assert await _feed(session, reader) == [
        "Hal Helper answered “Pallets?”",
        "Ada Asker started the topic “Pallets?”",
    ]

    await service.toggle_answer(session, viewer=asker, post_id=reply.id)
    assert await _feed(session, reader) == ["Ada Asker started the topic “Pallets?”"]
    await service.toggle_answer(session, viewer=asker, post_id=reply.id)
    await service.moderate_topic(
        session,
        staff=await make_marketer(session),
        topic_id=topic.id,
        action=service.TopicAction.HIDE,
    )
    assert await _feed(session, reader) == []


async def test_topics_for_some_groups_never_reach_the_feed(session: AsyncSession) -> None:
    reader = await make_advocate(session)
    insider = await make_advocate(session, name="Ian Insider")
    insider.show_in_feed = True
    staff = await make_marketer(session)
    partners = await make_category(
        session, "Partners", groups=(await make_group(session, "Partners", insider),)
    )
    await make_topic(session, insider, partners, title="Partner pricing")
    assert await _feed(session, reader) == []

    open_category = await make_category(session, "Product tips")
    moved = await make_topic(session, insider, open_category, title="Moved away later")
    narrowed = await make_topic(session, insider, open_category, title="Narrowed later")
    assert len(await _feed(session, reader)) == 2
    await service.moderate_topic(
        session,
        staff=staff,
        topic_id=moved.id,
        action=service.TopicAction.MOVE,
        category_id=partners.id,
    )
    assert await _feed(session, reader) == ["Ian Insider started the topic “Narrowed later”"]
    group = await make_group(session, "Insiders", insider)
    await service.update_category(
        session,
        staff=staff,
        category_id=open_category.id,
        values=service.CategoryValues(
            name="Product tips", description="", position=0, group_ids=frozenset({group.id})
        ),
    )
    assert narrowed.category_id == open_category.id
    assert await _feed(session, reader) == []


async def test_a_hidden_flagged_answer_leaves_the_feed(session: AsyncSession) -> None:
    reader = await make_advocate(session)
    asker = await make_advocate(session)
    topic = await make_topic(session, asker, await make_category(session), title="Labels?")
    reply = await make_reply(session, await make_advocate(session), topic)
    await service.toggle_answer(session, viewer=asker, post_id=reply.id)
    assert len(await _feed(session, reader)) == 2
    await service.resolve_flags(
        session, staff=await make_marketer(session), post_id=reply.id, hide=True
    )
    assert await _feed(session, reader) == ["An advocate started the topic “Labels?”"]
