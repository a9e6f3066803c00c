"""Manage → Messages and an advocate's copy: composing with errors kept, previewing, sending
now (the jobs run inline here), scheduling in the author's time zone, opening and clicking."""

from datetime import UTC, datetime

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.groups import service as groups
from portal.messages import library
from portal.messages.models import Broadcast, BroadcastStatus, Delivery
from portal.notifications.models import Notification
from tests.factories import login_as, make_advocate, make_marketer, post_form


def _page(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def _compose(**overrides: str | list[str]) -> dict[str, str | list[str]]:
    form: dict[str, str | list[str]] = {
        "subject": "News for {first_name}",
        "body": '<p>Read <a href="https://acme.example/launch">the launch post</a>.</p>',
        "audience": "everyone",
        "when": "now",
        "time_zone": "UTC",
        "action": "send",
    }
    form.update(overrides)
    return form


async def test_advocates_and_sales_cannot_open_manage_messages(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_advocate(session))
    assert (await client.get("/manage/messages/")).status_code == 403
    assert (await client.get("/manage/messages/new")).status_code == 403


async def test_a_message_with_mistakes_comes_back_with_what_was_typed_and_nothing_sent(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    response = await post_form(
        client,
        "/manage/messages/new",
        _compose(subject="", audience="groups", body="Keep this text"),
        page="/manage/messages/new",
    )
    assert response.status_code == 422
    page = _page(response)
    assert page.select_one("#f-subject-error").get_text() == "Give the message a subject."
    assert page.select_one("#f-body").get_text() == "Keep this text"
    assert await session.scalar(select(Broadcast.id)) is None

    response = await post_form(
        client,
        "/manage/messages/new",
        _compose(audience="groups"),
        page="/manage/messages/new",
    )
    assert response.status_code == 422
    assert "Tick at least one group" in _page(response).select_one("#audience").get_text()

    response = await post_form(
        client,
        "/manage/messages/new",
        _compose(when="later", send_at="tomorrow", time_zone="Mars/Olympus"),
        page="/manage/messages/new",
    )
    page = _page(response)
    assert "Choose a time zone from the list." in page.select_one("#when").get_text()
    assert "Enter the date and time" in page.select_one("#when").get_text()


async def test_preview_as_an_advocate_shows_their_copy_and_the_reach(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    ada = await make_advocate(session, name="Ada Byron")
    await login_as(client, marketer)
    response = await post_form(
        client,
        "/manage/messages/new",
        _compose(action="preview", preview_as=ada.email),
        page="/manage/messages/new",
    )
    page = _page(response)
    assert page.select_one("#preview-subject").get_text() == "News for Ada"
    assert "Reaches 1 person now." in page.select_one("#preview-reach").get_text()
    assert await session.scalar(select(Broadcast.id)) is None


async def test_sending_to_a_group_reaches_its_bell_and_the_counts_follow_opens_and_clicks(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    ada = await make_advocate(session, name="Ada Byron")
    await make_advocate(session, name="Not In The Group")
    group = await groups.create_group(session, staff=marketer, name="Beta")
    await groups.add_members(session, staff=marketer, group=group, users=[ada])
    await login_as(client, marketer)

    sent = await post_form(
        client,
        "/manage/messages/new",
        _compose(audience="groups", groups=[str(group.id)]),
        page="/manage/messages/new",
    )
    assert sent.status_code == 303
    detail = _page(await client.get(sent.headers["location"]))
    assert detail.select_one("#stat-recipients .stat-value").get_text() == "1"
    assert detail.select_one("#stat-delivered .stat-value").get_text() == "1"
    assert detail.select_one("#stat-opened .stat-value").get_text() == "0"
    broadcast_id = await session.scalar(select(Broadcast.id))
    bell = await session.scalar(select(Notification).where(Notification.user_id == ada.id))
    assert bell is not None
    assert (bell.title, bell.link) == ("News for Ada", f"/messages/{broadcast_id}")

    client.cookies.clear()
    await login_as(client, ada)
    read = _page(await client.get(f"/messages/{broadcast_id}"))
    assert read.select_one("#message-subject").get_text() == "News for Ada"
    tracked = read.select_one("#message-body a")["href"]
    client.cookies.clear()  # a link in an email works signed out too
    followed = await client.get(tracked)
    assert followed.status_code == 303
    assert followed.headers["location"] == "https://acme.example/launch"

    await login_as(client, marketer)
    detail = _page(await client.get(f"/manage/messages/{broadcast_id}"))
    assert detail.select_one("#stat-opened .stat-value").get_text() == "1"
    assert detail.select_one("#stat-clicked .stat-value").get_text() == "1"
    row = _page(await client.get("/manage/messages/")).select_one(f"#broadcast-{broadcast_id}")
    assert "News for {first_name}" in row.get_text()


async def test_someone_else_s_message_answers_404(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    await make_advocate(session)
    outsider = await make_marketer(session)
    await login_as(client, marketer)
    await post_form(client, "/manage/messages/new", _compose(), page="/manage/messages/new")
    broadcast_id = await session.scalar(select(Broadcast.id))
    client.cookies.clear()
    await login_as(client, outsider)
    assert (await client.get(f"/messages/{broadcast_id}")).status_code == 404
    assert (await client.get("/messages/go/not-a-token/0")).status_code == 404


async def test_a_schedule_is_read_in_the_chosen_time_zone_and_can_be_cancelled(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    await login_as(client, marketer)
    await make_advocate(session)
    sent = await post_form(
        client,
        "/manage/messages/new",
        _compose(when="later", send_at="2099-07-01T09:00", time_zone="Europe/Paris"),
        page="/manage/messages/new",
    )
    assert sent.status_code == 303
    broadcast = await session.scalar(select(Broadcast))
    assert broadcast is not None
    assert broadcast.send_at == datetime(2099, 7, 1, 7, 0, tzinfo=UTC)  # 09:00 summer time
    detail = _page(await client.get(sent.headers["location"]))
    assert "01 Jul 2099, 07:00 UTC" in detail.get_text()  # the author's own zone: the program's
    assert await session.scalar(select(Delivery.id)) is None

    # A colleague in New York reads the same moment on their clock, the zone named.
    colleague = await make_marketer(session)
    colleague.time_zone = "America/New_York"
    await session.flush()
    client.cookies.clear()
    await login_as(client, colleague)
    detail = _page(await client.get(sent.headers["location"]))
    assert "goes out 01 Jul 2099, 03:00 EDT" in " ".join(detail.get_text().split())
    listed = _page(await client.get("/manage/messages/"))
    assert "01 Jul 2099, 03:00 EDT" in listed.select_one(f"#broadcast-{broadcast.id}").get_text()
    client.cookies.clear()
    await login_as(client, marketer)

    path = f"/manage/messages/{broadcast.id}/cancel"
    cancelled = await post_form(client, path, {}, page=sent.headers["location"])
    assert cancelled.status_code == 303
    await session.refresh(broadcast)
    assert broadcast.status == BroadcastStatus.CANCELLED


async def test_a_template_is_saved_and_a_new_message_starts_from_it(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    await library.save_template(
        session, staff=marketer, name="Monthly newsletter", subject="Taken", body="x"
    )
    await login_as(client, marketer)
    form = {"name": "Quarterly review", "subject": "Your quarter", "body": "<p>Q3</p>"}
    saved = await post_form(
        client, "/manage/messages/templates/new", form, page="/manage/messages/"
    )
    assert saved.status_code == 303
    taken = await post_form(
        client,
        "/manage/messages/templates/new",
        {**form, "name": "monthly newsletter"},
        page="/manage/messages/",
    )
    assert taken.status_code == 422
    assert "already a template" in _page(taken).select_one("#f-name-error").get_text()
    assert _page(taken).select_one("#f-body").get_text() == "<p>Q3</p>"

    templates = await library.list_templates(session)
    quarterly = next(t for t in templates if t.name == "Quarterly review")
    compose = _page(await client.get(f"/manage/messages/new?template={quarterly.id}"))
    assert compose.select_one("#f-subject")["value"] == "Your quarter"
    assert compose.select_one("#f-body").get_text() == "<p>Q3</p>"
