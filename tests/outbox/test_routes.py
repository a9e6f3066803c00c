import httpx
from bs4 import BeautifulSoup
from sqlalchemy.ext.asyncio import AsyncSession

from portal.outbox import service as outbox
from tests.factories import login_as, make_admin, make_advocate


async def test_outbox_lists_emails_and_shows_their_links(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    email = await outbox.queue_email(
        session,
        to="ada@example.com",
        subject="Welcome aboard",
        kind="signup_approved",
        context={"name": "Ada", "program_name": "Acme", "link": "http://portal.test/login"},
    )
    await login_as(client, await make_admin(session))
    listing = await client.get("/manage/outbox/", headers=htmx)
    page = BeautifulSoup(listing.text, "html.parser")
    assert [a.get_text() for a in page.select("#outbox-table td a")] == ["Welcome aboard"]
    if not htmx:
        assert "No mail server is configured" in page.get_text()

    detail = BeautifulSoup((await client.get(f"/manage/outbox/{email.id}")).text, "html.parser")
    assert [a["href"] for a in detail.select(".email-links a")] == ["http://portal.test/login"]
    assert "Hi Ada," in detail.select_one(".email-text").get_text()


async def test_outbox_is_for_staff_only(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await login_as(client, await make_advocate(session))
    assert (await client.get("/manage/outbox/")).status_code == 403


def test_links_are_found_once_each_in_order() -> None:
    text = "Go to https://a.example/x. Then (http://b.example/y) and https://a.example/x again."
    assert outbox.links_in(text) == ["https://a.example/x", "http://b.example/y"]
