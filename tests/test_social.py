"""The portal's icons on every page, and a preview image when someone shares a link."""

from pathlib import Path

import httpx
from bs4 import BeautifulSoup
from sqlalchemy.ext.asyncio import AsyncSession

from portal.files.storage import LocalStorage
from tests.factories import make_advocate, make_asset, make_marketer


def _page(response: httpx.Response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.text, "html.parser")


async def _opens(client: httpx.AsyncClient, url: str, content_type: str) -> None:
    response = await client.get(url)
    assert response.status_code == 200, url
    assert response.headers["content-type"].startswith(content_type), url


async def test_every_page_links_the_favicon_and_app_icons(client: httpx.AsyncClient) -> None:
    page = _page(await client.get("/login"))
    icons = {
        link["rel"][0] + " " + link.get("type", ""): link["href"]
        for link in page.select("link[rel~=icon], link[rel=apple-touch-icon]")
    }
    assert set(icons) == {"icon image/svg+xml", "icon image/png", "apple-touch-icon "}
    await _opens(client, icons["icon image/svg+xml"], "image/svg+xml")
    await _opens(client, icons["icon image/png"], "image/png")
    await _opens(client, icons["apple-touch-icon "], "image/png")


async def _preview(client: httpx.AsyncClient, path: str) -> dict[str, str]:
    page = _page(await client.get(path))
    tags = {tag["property"]: tag["content"] for tag in page.select("meta[property^='og:']")}
    assert page.select_one("meta[name='twitter:card']")["content"] == "summary_large_image"
    await _opens(client, tags["og:image"], "image/png")
    assert tags["og:image"].startswith("http://portal.test/")
    return tags


async def test_a_personal_link_and_a_share_page_have_a_social_preview(
    client: httpx.AsyncClient, session: AsyncSession, tmp_path: Path
) -> None:
    advocate = await make_advocate(session, name="Priya Raman")
    landing = await _preview(client, f"/r/{advocate.referral_code}")
    assert landing["og:title"].startswith("Priya Raman recommends")
    assert landing["og:url"] == f"http://portal.test/r/{advocate.referral_code}"
    asset = await make_asset(
        session, LocalStorage(tmp_path), actor=await make_marketer(session), title="Fact sheet"
    )
    shared = await _preview(client, f"/s/{asset.id}/{advocate.referral_code}")
    assert shared["og:title"] == "Fact sheet"
    assert shared["og:description"] == "Shared with you by Priya Raman"
    assert "og:image" not in str(_page(await client.get("/login")))
