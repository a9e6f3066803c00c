"""The top bar keeps to one row from 1024 px for every role, and Home's cards fill their grid."""

import secrets

import pytest
from playwright.async_api import FloatRect, Locator, Page, ViewportSize

from portal.people.models import Role
from tests.browser.conftest import LiveServer, OpenPage
from tests.browser.pages import HomePage, LoginPage
from tests.factories import PASSWORD, make_user

ROLES = {
    "admin": (Role.ADMIN, Role.MARKETER),
    "marketer": (Role.MARKETER, Role.ADVOCATE),
    "sales": (Role.SALES,),
    "advocate": (Role.ADVOCATE,),
}


async def _box(locator: Locator) -> FloatRect:
    rect = await locator.bounding_box()
    assert rect is not None
    return rect


async def _signed_in(
    open_page: OpenPage, server: LiveServer, roles: tuple[Role, ...], width: int
) -> HomePage:
    tag = secrets.token_hex(4)
    async with server.session() as session:
        person = await make_user(
            session, name="Kim Long-Name", email=f"kim-{tag}@example.com", roles=roles
        )
    page: Page = await open_page(ViewportSize(width=width, height=800))
    login = await LoginPage(page).open()
    return await login.sign_in_expecting_home(person.email, PASSWORD)


@pytest.mark.browser
@pytest.mark.parametrize("width", [1024, 1280])
@pytest.mark.parametrize("role", ROLES)
async def test_the_top_bar_keeps_to_one_row_for_every_role(
    open_page: OpenPage, live_server: LiveServer, role: str, width: int
) -> None:
    home = await _signed_in(open_page, live_server, ROLES[role], width)
    bar = await _box(home.topbar)
    brand = await _box(home.page.locator(".brand"))
    nav = await _box(home.main_nav)
    account = await _box(home.page.locator(".header-end"))
    assert bar["height"] < 2 * brand["height"] + 8, f"{role} at {width}: {bar['height']} px"
    assert nav["y"] < brand["y"] + brand["height"], "the nav went below the brand"
    assert nav["x"] + nav["width"] <= account["x"] + 1, "the nav runs under the account menu"
    last = await _box(home.main_nav.locator(":scope > *").last)
    assert last["x"] + last["width"] <= account["x"] + 1, "the last entry is cut off"
    assert await home.page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
async def test_home_cards_fill_their_rows_without_holes(
    open_page: OpenPage, live_server: LiveServer, width: int
) -> None:
    home = await _signed_in(open_page, live_server, (Role.ADVOCATE,), width)
    grid = await _box(home.page.locator(".home-grid"))
    cards = [await _box(home.cards.nth(n)) for n in range(await home.cards.count())]
    assert len(cards) == 5  # getting started is still open
    rows: dict[int, list[FloatRect]] = {}
    for card in cards:
        rows.setdefault(round(card["y"]), []).append(card)
    for row in rows.values():
        assert row[0]["x"] - grid["x"] < 1
        assert abs(row[-1]["x"] + row[-1]["width"] - (grid["x"] + grid["width"])) < 1
        assert max(c["height"] for c in row) - min(c["height"] for c in row) < 1


@pytest.mark.browser
async def test_a_marketer_who_advocates_switches_to_their_advocate_home(
    open_page: OpenPage, live_server: LiveServer
) -> None:
    home = await _signed_in(open_page, live_server, ROLES["marketer"], 1280)
    await home.page.locator("#program-home").wait_for()
    await home.advocate_home.click()
    await home.page.locator("#points-summary").wait_for()
    await home.page.get_by_role("link", name="Back to your staff Home").click()
    await home.page.locator("#program-home").wait_for()
