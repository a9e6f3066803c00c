"""Every main page of every demo role on a phone: the document never scrolls sideways (wide
tables and tab rows scroll or wrap inside themselves). A page that does is kept as a screenshot
in the test's tmp_path."""

from pathlib import Path

import pytest
from playwright.async_api import Page

from tests.browser.conftest import PHONE, DemoServer, OpenPage
from tests.browser.pages import LoginPage

DEMO_PASSWORD = "demo-password"
DEMO_LOGINS = [
    "admin@acme.example",
    "marketer@acme.example",
    "sales@acme.example",
    "priya.raman@northwind.example",
]


async def navigation_links(page: Page) -> list[tuple[str, str]]:
    """(label, path) of every link in the top bar's main navigation and Manage menu."""
    links: list[list[str]] = await page.evaluate(
        """() => [...document.querySelectorAll('nav[aria-label="Main"] a[href]')].map(a => [
            (a.closest('details') ? 'Manage → ' : '') + a.textContent.trim(),
            new URL(a.href).pathname + new URL(a.href).search,
        ])"""
    )
    return list(dict.fromkeys((label, path) for label, path in links))


async def overflow(page: Page) -> tuple[int, int]:
    return tuple(
        await page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    )


@pytest.mark.browser
@pytest.mark.parametrize("email", DEMO_LOGINS)
async def test_no_main_page_scrolls_sideways_on_a_phone(
    open_page: OpenPage, demo_server: DemoServer, email: str, tmp_path: Path
) -> None:
    phone = await open_page(PHONE)
    await phone.goto(f"{demo_server.base_url}/login")
    login = LoginPage(phone)
    await login.sign_in_expecting_home(email, DEMO_PASSWORD)
    links = await navigation_links(phone)
    assert len(links) >= 6, f"{email} sees only {links}"

    too_wide = []
    for label, path in links:
        response = await phone.goto(f"{demo_server.base_url}{path}")
        assert response is not None, f"{label} ({path}) did not answer"
        assert response.ok, f"{label} ({path}) answered {response.status}"
        await phone.wait_for_load_state("networkidle")
        scroll_width, inner_width = await overflow(phone)
        if scroll_width > inner_width:
            too_wide.append(f"{label} ({path}): {scroll_width}px wide at {inner_width}px")
            name = path.strip("/").replace("/", "-") or "home"
            await phone.screenshot(path=tmp_path / f"too-wide-{name}.png", full_page=True)
    assert not too_wide, f"{email}: pages scroll sideways:\n" + "\n".join(too_wide)
