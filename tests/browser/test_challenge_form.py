"""The new-challenge form shows only the chosen type's fields: with JavaScript the type's
fields are swapped in when the type changes; without it, a first step chooses the type and
"Show its fields" brings another type's fields, keeping what was typed."""

import uuid

import pytest
from playwright.async_api import Browser, Page, expect

from portal.people.models import Role
from tests.browser.conftest import DESKTOP, LiveServer, OpenPage
from tests.browser.pages import LoginPage, ManageChallengesPage
from tests.browser.pages.layout import field
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


async def _marketer(server: LiveServer) -> str:
    tag = uuid.uuid4().hex[:6]
    async with server.session() as session:
        marketer = await make_user(
            session, name="Mia Marketer", email=f"mia-{tag}@example.com", roles=(Role.MARKETER,)
        )
    return marketer.email


async def _expect_only(page: Page, shown: str, hidden: list[str]) -> None:
    await expect(field(page, shown)).to_be_visible()
    for label in hidden:
        await expect(field(page, label)).to_have_count(0)


async def test_with_javascript_changing_the_type_swaps_in_its_fields(
    live_server: LiveServer, open_page: OpenPage
) -> None:
    email = await _marketer(live_server)
    page = await open_page()
    await (await LoginPage(page).open()).sign_in_expecting_home(email, PASSWORD)
    form = await (await ManageChallengesPage(page).open()).new("Write a review")
    await _expect_only(page, "Review site link", ["Place", "Suggested message", "Question 1"])
    await form.fill(title="Meet us in Berlin", points="80")

    await form.choose("Type", "Attend an event")
    await _expect_only(page, "Place", ["Review site link", "Suggested message", "Question 1"])
    await expect(field(page, "Title")).to_have_value("Meet us in Berlin")
    await form.choose("Type", "Answer questions")
    await _expect_only(page, "Question 1", ["Place", "Review site link"])


async def test_without_javascript_the_form_takes_two_steps(
    browser: Browser, live_server: LiveServer
) -> None:
    email = await _marketer(live_server)
    context = await browser.new_context(
        base_url=live_server.base_url, viewport=DESKTOP, java_script_enabled=False
    )
    try:
        page = await context.new_page()
        await (await LoginPage(page).open()).sign_in_expecting_home(email, PASSWORD)
        await page.goto("/manage/challenges/new")
        await expect(field(page, "Title")).to_have_count(0)
        await page.get_by_role("radio", name="Share a link").check()
        await page.get_by_role("button", name="Continue").click()
        await _expect_only(page, "Suggested message", ["Review site link", "Place"])

        await field(page, "Title").fill("Tell your network")
        await field(page, "Type").select_option(label="Write a review")
        await page.get_by_role("button", name="Show its fields").click()
        await _expect_only(page, "Review site link", ["Suggested message", "Place"])
        await expect(field(page, "Title")).to_have_value("Tell your network")
    finally:
        await context.close()
