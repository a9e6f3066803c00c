import httpx
from bs4 import BeautifulSoup
from sqlalchemy.ext.asyncio import AsyncSession

from portal.notifications import service as notifications
from tests.factories import login_as, make_advocate, post_form


def _page(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def test_the_bell_counts_unread_and_opening_one_marks_it_read(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    first = await notifications.notify(
        session,
        user_id=advocate.id,
        kind="level_reached",
        title="You reached Advocate!",
        link="/points/",
    )
    await notifications.notify(session, user_id=advocate.id, kind="badge_earned", title="Badge!")
    await login_as(client, advocate)
    home = _page(await client.get("/"))
    assert home.select_one("#bell")["href"] == "http://portal.test/notifications/"
    bell = _page(await client.get("/notifications/bell", headers={"HX-Request": "true"}))
    assert bell.select_one("#bell-count").get_text() == "2"

    opened = await post_form(client, f"/notifications/{first.id}/open", {}, page="/notifications/")
    assert opened.headers["location"] == "/points/"
    listing = _page(await client.get("/notifications/"))
    assert "unread" not in listing.select_one(f"#notification-{first.id}")["class"]
    bell = _page(await client.get("/notifications/bell"))
    assert bell.select_one("#bell-count").get_text() == "1"

    await post_form(client, "/notifications/read-all", {}, page="/notifications/")
    assert _page(await client.get("/notifications/bell")).select_one("#bell-count") is None


async def test_someone_elses_notification_is_404(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    owner = await make_advocate(session)
    theirs = await notifications.notify(session, user_id=owner.id, kind="x", title="Private")
    await login_as(client, await make_advocate(session))
    response = await post_form(
        client, f"/notifications/{theirs.id}/open", {}, page="/notifications/"
    )
    assert response.status_code == 404
    assert "Private" not in (await client.get("/notifications/")).text
