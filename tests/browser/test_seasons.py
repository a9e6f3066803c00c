"""A marketer defines a group's season in Manage → Seasons with the browser's date pickers; a
member who earns points finds it on Home, with its end, and follows the link to its board."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import expect

from portal.groups import service as groups
from portal.people.models import Role
from portal.points import service as points
from tests.browser.conftest import LiveServer, OpenPage
from tests.browser.pages import LoginPage
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


async def test_a_season_defined_in_manage_shows_on_home_and_its_board(
    live_server: LiveServer, open_page: OpenPage
) -> None:
    tag = uuid.uuid4().hex[:6]
    async with live_server.session() as session:
        marketer = await make_user(
            session, name="Sam Seasons", email=f"sam-{tag}@example.com", roles=(Role.MARKETER,)
        )
        advocate = await make_user(session, name="Ada Sprinter", email=f"ada-{tag}@example.com")
        # A group's season, so the other browser tests' advocates never see it on their Home.
        group = await groups.create_group(
            session, staff=marketer, name=f"Sprinters {tag}", description=""
        )
        await groups.add_members(session, staff=marketer, group=group, users=[advocate])
    page = await open_page()
    await (await LoginPage(page).open()).sign_in_expecting_home(marketer.email, PASSWORD)
    await page.goto("/manage/seasons/")
    form = page.locator("#new-season")
    name = f"Sprint {tag}"
    await form.get_by_label("Name").fill(name)
    start = datetime.now(UTC) - timedelta(days=1)
    end = datetime.now(UTC) + timedelta(days=20)
    await form.get_by_label("Starts").fill(start.strftime("%Y-%m-%dT%H:%M"))
    await form.get_by_label("Ends").fill(end.strftime("%Y-%m-%dT%H:%M"))
    await form.get_by_label("Time zone of the start and end").select_option("UTC")
    await form.get_by_label("Who takes part").select_option(label=f"Sprinters {tag}")
    await form.get_by_role("button", name="Add season").click()
    listed = page.locator("#season-list").get_by_role("row").filter(has_text=name)
    await expect(listed).to_contain_text("Running")

    async with live_server.session() as session:
        await points.award(session, advocate, points=45, reason="Webinar", key=f"w:{tag}")
    await page.context.clear_cookies()
    await (await LoginPage(page).open()).sign_in_expecting_home(advocate.email, PASSWORD)
    card = page.locator("#season")
    await expect(card.get_by_role("heading", name=name)).to_be_visible()
    await expect(card.locator("#season-place")).to_have_text("You are #1 with 45 points.")
    await expect(card.locator("#season-end")).to_contain_text(end.strftime("%d %b %Y"))
    await card.get_by_role("link", name="Season board").click()
    await expect(page.locator("#season-status")).to_contain_text("This season ends on")
    mine = page.locator("#board tbody tr.me")
    await expect(mine).to_contain_text("Ada Sprinter")
    await expect(mine).to_contain_text("45")
