"""Search over titles and bodies (PostgreSQL full-text, SQLite text matching): every word must
match; hidden topics and posts, posts waiting for approval and other groups' categories never
show up."""

from sqlalchemy.ext.asyncio import AsyncSession

from portal.community import service
from tests.community.helpers import make_category, make_group, make_reply, make_topic
from tests.factories import make_advocate, make_marketer


async def _titles(session: AsyncSession, viewer, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    found = await service.search_topics(session, viewer=viewer, text=text)
    return sorted(topic.title for topic in found.items)


async def test_search_finds_titles_and_bodies_but_never_what_the_viewer_may_not_read(
    session: AsyncSession,
) -> None:
    staff = await make_marketer(session)
    author = await make_advocate(session)
    reader = await make_advocate(session)
    tips = await make_category(session, "Product tips")
    secret = await make_category(
        session, "Beta", groups=(await make_group(session, "Beta", author),)
    )
    export = await make_topic(session, author, tips, title="Export to spreadsheet", body="How?")
    await make_topic(session, author, tips, title="Alerts", body="Shipment alerts by email")
    await make_topic(session, author, secret, title="Beta spreadsheet export", body="Private")
    spam = await make_reply(session, author, export, "Visit casino bonus site")
    hidden = await make_topic(session, author, tips, title="Casino offers", body="Spam")

    assert await _titles(session, reader, "spreadsheet") == ["Export to spreadsheet"]
    assert await _titles(session, reader, "shipment alerts") == ["Alerts"]
    assert await _titles(session, reader, "export how") == ["Export to spreadsheet"]
    assert await _titles(session, reader, "casino") == ["Casino offers", "Export to spreadsheet"]

    await service.resolve_flags(session, staff=staff, post_id=spam.id, hide=True)
    await service.moderate_topic(
        session, staff=staff, topic_id=hidden.id, action=service.TopicAction.HIDE
    )
    assert await _titles(session, reader, "casino") == []
    assert await _titles(session, staff, "casino") == []
    assert await _titles(session, author, "private") == ["Beta spreadsheet export"]
    assert await _titles(session, reader, "   ") == []
