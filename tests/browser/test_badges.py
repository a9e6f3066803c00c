"""Badges are drawn from the vendored SVG icon set (no emoji font needed): an advocate's badge
on Home is an SVG image named after the badge, and a marketer picks a new badge's icon from
drawn choices that work without a script."""

import uuid

import pytest
from playwright.async_api import expect

from portal.people.models import Role
from tests.browser.conftest import LiveServer, OpenPage
from tests.browser.pages import LoginPage
from tests.factories import PASSWORD, make_referral, make_user

pytestmark = pytest.mark.browser


async def test_an_advocates_badge_is_an_svg_image_with_its_name(
    live_server: LiveServer, open_page: OpenPage
) -> None:
    tag = uuid.uuid4().hex[:6]
    async with live_server.session() as session:
        advocate = await make_user(session, name="Bea Badger", email=f"bea-{tag}@example.com")
        await make_referral(session, advocate)  # earns the "First referral" badge
    page = await open_page()
    await (await LoginPage(page).open()).sign_in_expecting_home(advocate.email, PASSWORD)
    drawn = page.locator("#badges").get_by_role("img", name="First referral badge")
    await expect(drawn).to_be_visible()
    assert await drawn.evaluate("node => node.tagName.toLowerCase()") == "svg"
    assert await drawn.evaluate("node => node.querySelectorAll('path').length") > 0


async def test_a_marketer_picks_a_badge_icon_from_the_drawn_set(
    live_server: LiveServer, open_page: OpenPage
) -> None:
    tag = uuid.uuid4().hex[:6]
    async with live_server.session() as session:
        marketer = await make_user(
            session, name="Mia Marketer", email=f"mia-{tag}@example.com", roles=(Role.MARKETER,)
        )
    page = await open_page()
    await (await LoginPage(page).open()).sign_in_expecting_home(marketer.email, PASSWORD)
    await page.goto("/manage/points/")
    admin = page.locator("#badge-admin")
    name = f"Early bird {tag}"
    # By name: the level form above uses the same field ids (reported; the a11y work fixes ids)
    await admin.locator("input[name=name]").fill(name)
    picker = admin.get_by_role("group", name="Icon")
    await picker.get_by_role("radio", name="rocket").check()
    await admin.get_by_role("button", name="Create badge").click()
    await expect(page.get_by_role("img", name=f"{name} badge")).to_have_class("icon icon-rocket")
