"""The community speaks the reader's language, and the navigation shows Community as where one
is on every community page, not only its first."""

import httpx
from bs4 import BeautifulSoup
from sqlalchemy.ext.asyncio import AsyncSession

from tests.community.helpers import make_category, make_reply, make_topic
from tests.factories import login_as, make_advocate, post_form


def _page(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def test_a_german_advocate_reads_the_community_in_german(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    german = await make_advocate(session)
    german.language = "de"
    other = await make_advocate(session)
    category = await make_category(session, "Produkttipps")
    topic = await make_topic(session, other, category, title="Wie richtet ihr Alarme ein?")
    await make_reply(session, other, topic)
    await login_as(client, german)

    index = _page(await client.get("/community/"))
    assert index.select_one("h1").get_text() == "Community"
    assert "Thema beginnen" in index.get_text()
    assert index.select_one(".topic-replies").get_text() == "1 Antwort"
    assert index.select_one(f"#category-{category.id} .muted").get_text() == "1 Thema"

    page = _page(await client.get(f"/community/t/{topic.id}"))
    assert page.select_one("#reply h2").get_text() == "Antworten"
    assert "Hilfreich" in page.select_one(".helpful-button").get_text()

    refused = await post_form(client, f"/community/t/{topic.id}/reply", {"body": "  "})
    assert refused.status_code == 422
    error = _page(refused).select_one("#f-body-error").get_text()
    assert error == "Schreiben Sie etwas: Der Beitrag ist leer."


async def test_community_stays_marked_in_the_navigation_on_its_subpages(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    category = await make_category(session)
    topic = await make_topic(session, advocate, category)
    await login_as(client, advocate)
    for path in ("/community/", f"/community/c/{category.id}", f"/community/t/{topic.id}"):
        current = _page(await client.get(path)).select('nav.mainnav a[aria-current="page"]')
        assert [link.get_text() for link in current] == ["Community"], path
    home = _page(await client.get("/")).select('nav.mainnav a[aria-current="page"]')
    assert [link.get_text() for link in home] == ["Home"]
