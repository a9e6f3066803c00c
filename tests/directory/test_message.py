"""Send a message from the People table: to the ticked people, to everyone the filters match,
or to a saved view. The page states the count before anything is sent; only active advocates
among them get it, each once."""

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import utcnow
from portal.directory import views
from portal.messages.models import (
    Audience,
    Broadcast,
    BroadcastPerson,
    BroadcastStatus,
    Delivery,
)
from portal.notifications.models import Notification
from portal.outbox.models import OutboxEmail
from portal.people.models import UserStatus
from tests.factories import login_as, make_advocate, make_marketer, make_user, post_form
from tests.messages.helpers import send_all

PAGE = "/manage/people/"
MESSAGE = {
    "subject": "Hello {first_name}",
    "body": "<p>Our Northwind meetup is on.</p>",
    "when": "now",
    "time_zone": "UTC",
    "action": "send",
}


def _page(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def _hidden(response: httpx.Response) -> dict[str, str | list[str]]:
    """The audience the compose page carries, as its hidden fields."""
    form = _page(response).select_one("form#compose")
    assert form is not None, response.text
    fields: dict[str, str | list[str]] = {}
    for field in form.select("input[type=hidden]"):
        if field["name"] == "ids":
            fields.setdefault("ids", [])
            fields["ids"].append(field["value"])  # type: ignore[union-attr]
        elif field["name"] != "csrf_token":
            fields[field["name"]] = field.get("value", "")
    return fields


async def _recipients(session: AsyncSession, broadcast: Broadcast) -> set[int]:
    return set(
        await session.scalars(
            select(BroadcastPerson.user_id).where(BroadcastPerson.broadcast_id == broadcast.id)
        )
    )


async def test_ticked_people_get_the_message_once_and_staff_are_left_out(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    ana = await make_advocate(session, name="Ana North")
    ben = await make_advocate(session, name="Ben North")
    await make_advocate(session, name="Cy Elsewhere")
    await login_as(client, marketer)

    asked = await post_form(
        client,
        "/manage/people/bulk",
        {
            "action": "send_message",
            "scope": "selected",
            "ids": [str(ana.id), str(ben.id), str(marketer.id)],
        },
        page=PAGE,
    )
    assert asked.status_code == 200
    page = _page(asked)
    assert page.h1.get_text() == "Message 2 people"  # the marketer is not an advocate
    assert "people ticked on the People table" in page.select_one("#message-reach").get_text()
    assert await session.scalar(select(Broadcast.id)) is None  # nothing before Send

    sent = await post_form(client, "/manage/people/message", {**_hidden(asked), **MESSAGE})
    assert sent.status_code == 303
    broadcast = await session.scalar(select(Broadcast))
    assert broadcast is not None
    assert broadcast.audience == Audience.PEOPLE
    assert await _recipients(session, broadcast) == {ana.id, ben.id}
    # Its jobs ran after the commit (inline in tests).
    titles = dict((await session.execute(select(Notification.user_id, Notification.title))).all())
    assert titles == {ana.id: "Hello Ana", ben.id: "Hello Ben"}
    emails = set(await session.scalars(select(OutboxEmail.to_address)))
    assert emails == {ana.email, ben.email}
    detail = _page(await client.get(sent.headers["location"]))
    assert "people ticked on the People table" in detail.select_one("#broadcast-progress").text


async def test_the_whole_filtered_set_counts_only_active_advocates(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    first = await make_advocate(session, name="Priya", company="Northwind")
    second = await make_advocate(session, name="Nils", company="Northwind")
    await make_user(session, name="Sam", company="Northwind", status=UserStatus.SUSPENDED)
    await make_advocate(session, name="Jonas", company="FjordTech")
    await login_as(client, marketer)

    asked = await post_form(
        client,
        "/manage/people/bulk",
        {"action": "send_message", "scope": "all", "view": "company=northwind"},
        page=PAGE,
    )
    assert _page(asked).h1.get_text() == "Message 2 people"
    back = _page(asked).select_one(".page-header a")["href"]
    assert back.endswith("/manage/people/?company=northwind")

    # A mistake keeps what was typed and the audience, and sends nothing.
    wrong = await post_form(
        client,
        "/manage/people/message",
        {**_hidden(asked), **MESSAGE, "subject": "", "body": "Keep this"},
    )
    assert wrong.status_code == 422
    assert _page(wrong).select_one("#f-subject-error").get_text() == "Give the message a subject."
    assert _page(wrong).select_one("#f-body").get_text() == "Keep this"
    assert _page(wrong).h1.get_text() == "Message 2 people"
    assert await session.scalar(select(Broadcast.id)) is None

    preview = await post_form(
        client,
        "/manage/people/message",
        {**_hidden(asked), **MESSAGE, "action": "preview", "preview_as": first.email},
    )
    assert preview.status_code == 200
    assert "Reaches 2 people now." in _page(preview).select_one("#preview-reach").get_text()
    assert _page(preview).select_one("#preview-subject").get_text() == "Hello Priya"

    sent = await post_form(client, "/manage/people/message", {**_hidden(wrong), **MESSAGE})
    assert sent.status_code == 303
    broadcast = await session.scalar(select(Broadcast))
    assert broadcast is not None
    assert broadcast.audience_note == "everyone the People table's filters matched"
    assert await _recipients(session, broadcast) == {first.id, second.id}


async def test_a_saved_view_is_an_audience_and_a_colleagues_private_view_is_not(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    colleague = await make_marketer(session)
    keen = await make_advocate(session, name="Keen", company="Acme")
    await make_advocate(session, name="Other", company="Globex")
    view = await views.save_view(
        session, owner=marketer, name="Acme folk", query="company=acme", shared=False
    )
    private = await views.save_view(
        session, owner=colleague, name="Mine", query="company=acme", shared=False
    )
    await login_as(client, marketer)

    table = _page(await client.get(PAGE))
    link = table.select_one(f"a[href$='/views/{view.id}/message']")
    assert link is not None
    assert (await client.get(f"/manage/people/views/{private.id}/message")).status_code == 404

    opened = await client.get(link["href"])
    assert opened.status_code == 200
    assert _page(opened).h1.get_text() == "Message 1 person"
    assert "the saved view “Acme folk”" in _page(opened).select_one("#message-reach").text

    scheduled = await post_form(
        client,
        "/manage/people/message",
        {**_hidden(opened), **MESSAGE, "when": "later", "send_at": "2099-01-01T09:00"},
    )
    assert scheduled.status_code == 303
    broadcast = await session.scalar(select(Broadcast))
    assert broadcast is not None
    assert broadcast.status == BroadcastStatus.SCHEDULED
    assert await _recipients(session, broadcast) == {keen.id}
    detail = _page(await client.get(scheduled.headers["location"]))
    assert "the saved view “Acme folk”" in detail.select_one("#broadcast-progress").text

    forged = await post_form(
        client,
        "/manage/people/message",
        {**MESSAGE, "scope": "saved", "saved": str(private.id)},
    )
    assert forged.status_code == 404


async def test_a_scheduled_message_to_a_saved_view_goes_to_whoever_it_matches_when_it_starts(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    stays = await make_advocate(session, name="Stays", company="Acme")
    leaves = await make_advocate(session, name="Leaves", company="Acme")
    view = await views.save_view(
        session, owner=marketer, name="Acme folk", query="company=acme", shared=True
    )
    await login_as(client, marketer)
    opened = await client.get(f"/manage/people/views/{view.id}/message")
    assert "whoever the view matches when it goes out" in _page(opened).select_one("#audience").text
    scheduled = await post_form(
        client,
        "/manage/people/message",
        {**_hidden(opened), **MESSAGE, "when": "later", "send_at": "2099-01-01T09:00"},
    )
    assert scheduled.status_code == 303
    broadcast = await session.scalar(select(Broadcast))
    assert broadcast is not None
    assert await _recipients(session, broadcast) == {stays.id, leaves.id}

    # Before it is due, one person joins the view and another leaves it.
    joins = await make_advocate(session, name="Joins", company="Acme")
    leaves.company = "Globex"
    broadcast.send_at = utcnow()
    await session.flush()
    await send_all(session, broadcast.id)

    reached = set(await session.scalars(select(Delivery.user_id)))
    assert reached == {stays.id, joins.id}
    await session.refresh(broadcast)
    assert (broadcast.status, broadcast.recipients) == (BroadcastStatus.SENT, 2)
    emails = set(await session.scalars(select(OutboxEmail.to_address)))
    assert emails == {stays.email, joins.email}


async def test_nobody_to_message_says_so(client: httpx.AsyncClient, session: AsyncSession) -> None:
    marketer = await make_marketer(session)
    await login_as(client, marketer)
    sent = await post_form(
        client,
        "/manage/people/message",
        {**MESSAGE, "scope": "all", "view": "company=nobody-here"},
    )
    assert sent.status_code == 422
    assert "no active advocate" in _page(sent).select_one("#audience").get_text()
    assert await session.scalar(select(Broadcast.id)) is None
