"""Images in posts: uploaded with the topic or reply form (no JavaScript needed), stored in the
content storage and shown from our own path; the sanitizer strips every other image."""

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.community.models import Image, Post
from portal.content import samples
from portal.sanitize import clean_html
from tests.community.helpers import make_category, make_topic
from tests.factories import csrf_token, login_as, make_advocate

OWN = "/community/images/Q2hhcnRzIGFuZCBncmFwaHMgZm9y"


def test_the_sanitizer_keeps_only_images_from_our_storage() -> None:
    kept = clean_html(f'<p>See:</p><img src="{OWN}" alt="The chart" onerror="alert(1)">')
    assert kept == f'<p>See:</p><img src="{OWN}" alt="The chart">'
    for foreign in (
        '<img src="https://tracker.example/pixel.gif" alt="x">',
        '<img src="//tracker.example/pixel.gif">',
        '<img src="javascript:alert(1)">',
        '<img src="JaVaScRiPt:alert(1)">',
        '<img src="data:image/png;base64,iVBORw0KGgo=">',
        f'<img src="{OWN}/../../admin">',
        f'<img src="https://evil.example{OWN}">',
        '<img alt="no source">',
    ):
        assert clean_html(f"<p>Text</p>{foreign}") == "<p>Text</p>", foreign


async def _post_topic(
    client: httpx.AsyncClient, category_id: int, upload: tuple[str, bytes] | None
) -> httpx.Response:
    token = await csrf_token(client, "/community/new")
    return await client.post(
        "/community/new",
        data={
            "csrf_token": token,
            "category": str(category_id),
            "title": "Our shipping dashboard",
            "body": "This is how it looks.",
            "image_alt": "The dashboard with three charts",
        },
        files={"image": (upload[0], upload[1], "application/octet-stream")} if upload else {},
    )


async def test_an_image_uploaded_with_a_topic_shows_in_it(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    category = await make_category(session)
    await login_as(client, await make_advocate(session))
    photo = samples.png(40, 30)

    created = await _post_topic(client, category.id, ("dashboard.png", photo))
    assert created.status_code == 303
    image = await session.scalar(select(Image))
    assert image is not None
    assert image.content_type == "image/png"
    page = BeautifulSoup((await client.get(created.headers["location"])).text, "html.parser")
    shown = page.select_one(".post-body img")
    assert shown["src"] == f"/community/images/{image.name}"
    assert shown["alt"] == "The dashboard with three charts"

    served = await client.get(shown["src"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.content == photo
    assert (await client.get("/community/images/not-a-stored-image-name")).status_code == 404


async def test_a_file_that_is_not_an_image_is_refused_and_the_form_keeps_the_text(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    category = await make_category(session)
    await login_as(client, await make_advocate(session))

    refused = await _post_topic(client, category.id, ("chart.png", b"<script>alert(1)</script>"))
    assert refused.status_code == 422
    page = BeautifulSoup(refused.text, "html.parser")
    assert "is not a file type we accept" in page.select_one("#f-image-error").get_text()
    assert page.select_one("#f-title")["value"] == "Our shipping dashboard"
    assert page.select_one("#f-body").get_text() == "This is how it looks."
    assert await session.scalar(select(Image)) is None


async def test_a_typed_foreign_image_is_stripped_from_a_post(session: AsyncSession) -> None:
    author = await make_advocate(session)
    topic = await make_topic(
        session,
        author,
        await make_category(session),
        body='<p>Look</p><img src="https://tracker.example/p.gif"><img src="javascript:x">',
    )
    body = await session.scalar(select(Post.body_html).where(Post.topic_id == topic.id))
    assert body == "<p>Look</p>"
