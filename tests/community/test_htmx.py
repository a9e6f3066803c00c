"""With htmx, "helpful" and a reply update the topic in place; without it (no HX-Request) the
same forms redirect to the post, as before."""

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.community import service
from portal.community.models import Post
from tests.community.helpers import make_category, make_reply, make_topic
from tests.factories import login_as, make_advocate, post_form

HTMX = {"HX-Request": "true"}


def _page(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def test_helpful_swaps_its_button_in_place(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    author = await make_advocate(session)
    topic = await make_topic(session, author, await make_category(session))
    opening = await session.scalar(select(Post).where(Post.topic_id == topic.id))
    assert opening is not None
    await login_as(client, await make_advocate(session))
    path = f"/community/p/{opening.id}/helpful"
    page = f"/community/t/{topic.id}"

    swapped = await post_form(client, path, {}, page=page, headers=HTMX)
    assert swapped.status_code == 200
    assert "<html" not in swapped.text
    button = _page(swapped).select_one(f"form#helpful-{opening.id} .helpful-button")
    assert button["aria-pressed"] == "true"
    assert button.get_text() == "✓ Helpful · 1"

    taken_back = await post_form(client, path, {}, page=page, headers=HTMX)
    button = _page(taken_back).select_one(".helpful-button")
    assert button["aria-pressed"] == "false"
    assert button.get_text() == "Helpful · 0"

    without_js = await post_form(client, path, {}, page=page)
    assert without_js.status_code == 303
    assert without_js.headers["location"].endswith(f"/community/p/{opening.id}")


async def test_a_reply_joins_the_page_in_place_and_the_form_comes_back_empty(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    asker = await make_advocate(session)
    topic = await make_topic(session, asker, await make_category(session))
    await login_as(client, await make_advocate(session, name="Hal Helper"))
    path = f"/community/t/{topic.id}/reply"
    page = f"/community/t/{topic.id}"

    response = await post_form(
        client, path, {"body": "Shipments → Export.", "page": "1"}, page=page, headers=HTMX
    )
    assert response.status_code == 200
    reply = await session.scalar(select(Post).where(Post.topic_id == topic.id, ~Post.is_opening))
    assert reply is not None
    added = _page(response)
    assert added.select_one("section#reply textarea").get_text() == ""
    appended = added.select_one('ol[hx-swap-oob="beforeend:#posts"]')
    assert appended.select_one(f"li#post-{reply.id} .post-author").get_text() == "Hal Helper"
    assert "Shipments → Export." in appended.get_text()


async def test_a_refused_or_far_away_reply_falls_back(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    asker = await make_advocate(session)
    topic = await make_topic(session, asker, await make_category(session))
    for n in range(service.POSTS_PER_PAGE):
        await make_reply(session, asker, topic, body=f"Note number {n}")
    await login_as(client, await make_advocate(session))
    path = f"/community/t/{topic.id}/reply"
    page = f"/community/t/{topic.id}"

    empty = await post_form(client, path, {"body": " ", "page": "1"}, page=page, headers=HTMX)
    assert empty.status_code == 422
    form = _page(empty)
    assert form.select_one("section#reply") is not None
    assert "<html" not in empty.text
    assert form.select_one("#f-body-error").get_text() == "Write something: the post is empty."

    # Read on page 1, the reply lands on page 2: the topic opens there instead.
    far = await post_form(
        client, path, {"body": "Late to this.", "page": "1"}, page=page, headers=HTMX
    )
    assert far.status_code == 200
    newest = await session.scalar(select(func.max(Post.id)).where(Post.topic_id == topic.id))
    assert far.headers["HX-Redirect"].endswith(f"/community/p/{newest}")
