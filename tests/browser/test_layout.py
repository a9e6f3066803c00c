"""The layout on a phone, and screenshots of the main pages on a desktop."""

from pathlib import Path

import pytest
from playwright.async_api import FloatRect, Locator, Page, expect

from tests.browser.conftest import PHONE, LiveServer, OpenPage, sign_in_as_admin
from tests.browser.pages import HomePage, LoginPage, PeoplePage

NO_HORIZONTAL_SCROLL = "document.scrollingElement.scrollWidth <= window.innerWidth"


async def box(locator: Locator) -> FloatRect:
    await expect(locator).to_be_visible()
    rect = await locator.bounding_box()
    assert rect is not None
    return rect


@pytest.mark.browser
async def test_home_page_on_a_phone_has_no_horizontal_scroll_and_its_user_menu_opens(
    open_page: OpenPage, live_server: LiveServer, tmp_path: Path
) -> None:
    phone = await open_page(PHONE)
    home = await sign_in_as_admin(phone, live_server)

    assert await phone.evaluate(NO_HORIZONTAL_SCROLL)
    await home.open_user_menu()
    await expect(phone.get_by_text(live_server.admin_email)).to_be_visible()
    assert await phone.evaluate(NO_HORIZONTAL_SCROLL)
    await phone.screenshot(path=tmp_path / "phone-home-menu.png", full_page=True)


@pytest.mark.browser
async def test_main_navigation_on_a_phone_gets_a_row_of_its_own_below_the_brand(
    open_page: OpenPage, live_server: LiveServer
) -> None:
    phone = await open_page(PHONE)
    home = await sign_in_as_admin(phone, live_server)

    brand = await box(phone.locator(".brand"))
    nav = await box(home.main_nav)
    user_menu = await box(home.user_menu)
    assert nav["y"] >= brand["y"] + brand["height"], "the nav sits beside the brand"
    assert nav["width"] >= PHONE["width"] * 0.8, "the nav is squeezed into a column"
    assert user_menu["y"] < nav["y"], "the user menu is not on the brand's row"


@pytest.mark.browser
async def test_main_pages_render_on_a_desktop(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    login = await LoginPage(page).open()
    await page.screenshot(path=tmp_path / "login.png", full_page=True)

    await login.sign_in_expecting_home(live_server.admin_email, live_server.admin_password)
    home = HomePage(page)
    await home.expect_signed_in_as(live_server.admin_name)
    await page.screenshot(path=tmp_path / "home.png", full_page=True)

    await home.open_manage("People")
    people = PeoplePage(page)
    await people.expect_loaded()
    await expect(people.table).to_contain_text(live_server.admin_email)
    await page.screenshot(path=tmp_path / "people.png", full_page=True)

    for name in ("login.png", "home.png", "people.png"):
        assert (tmp_path / name).stat().st_size > 0
