"""Manage → People in a browser: sort and filter the table, award points to the ticked people
after the confirmation that gives the count, then view the portal as one of them, where a form
is refused with a message, and come back."""

import re
import uuid

import pytest
from playwright.async_api import expect

from portal.people.models import Role
from tests.browser.conftest import LiveServer, OpenPage
from tests.browser.pages import LoginPage
from tests.browser.pages.referrals import ReferFriendPage
from tests.factories import PASSWORD, give_points, make_user

pytestmark = pytest.mark.browser


async def test_sort_filter_bulk_award_and_view_as_an_advocate(
    live_server: LiveServer, open_page: OpenPage
) -> None:
    tag = uuid.uuid4().hex[:6]
    company = f"Quokka {tag}"
    async with live_server.session() as session:
        marketer = await make_user(
            session, name="Mia Marketer", email=f"mia-{tag}@example.com", roles=(Role.MARKETER,)
        )
        for name, points in (("Ava Low", 10), ("Bea High", 400), ("Cy Middle", 90)):
            person = await make_user(
                session, name=f"{name} {tag}", email=f"{name[:3]}-{tag}@example.com".lower()
            )
            person.company = company
            await give_points(session, person, points)

    page = await open_page()
    await (await LoginPage(page).open()).sign_in_expecting_home(marketer.email, PASSWORD)
    await page.goto("/manage/people/")
    await page.get_by_label("Search").fill(company)
    await page.get_by_role("button", name="Filter", exact=True).click()
    names = page.locator("#people-table a.person strong")
    await expect(names).to_have_count(3)
    await page.get_by_role("link", name=re.compile("^Points")).click()
    await expect(names).to_have_text([f"Bea High {tag}", f"Cy Middle {tag}", f"Ava Low {tag}"])
    await page.get_by_role("link", name=re.compile("^Points")).click()
    await expect(names).to_have_text([f"Ava Low {tag}", f"Cy Middle {tag}", f"Bea High {tag}"])

    await page.get_by_label(f"Tick Ava Low {tag}").check()
    await page.get_by_label(f"Tick Cy Middle {tag}").check()
    await page.get_by_label("With the people").select_option(label="Award points")
    await page.get_by_label("Points (award)").fill("25")
    await page.get_by_label("Reason (award)").fill("Thanks for the case study")
    await page.get_by_role("button", name="Apply to ticked people").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Award 25 points to 2 people?")
    await page.get_by_role("button", name="Award points: 2 people").click()
    await expect(page.locator("#flashes")).to_contain_text("2 people awarded points.")
    rows = page.locator("#people-table tbody tr")
    await expect(rows.nth(0)).to_contain_text(f"Ava Low {tag}")
    await expect(rows.nth(0).locator("td").nth(2)).to_have_text("35")
    await expect(rows.nth(1).locator("td").nth(2)).to_have_text("115")

    await names.nth(0).click()
    await page.get_by_role("button", name=f"View the portal as Ava Low {tag}").click()
    banner = page.locator("#view-as-banner")
    await expect(banner).to_contain_text(f"viewing the portal as Ava Low {tag}, read-only")
    await page.goto("/referrals/new")
    await ReferFriendPage(page).refer(
        name="Grace Hopper", email=f"grace-{tag}@navy.example", company="Navy"
    )
    await expect(page.locator("main")).to_contain_text(
        f"You're viewing the portal as Ava Low {tag}, read-only: nothing can be changed."
    )
    await page.get_by_role("button", name=re.compile("^Stop viewing")).click()
    await expect(page.locator("#flashes")).to_contain_text(f"stopped viewing as Ava Low {tag}")
    await expect(banner).to_have_count(0)
    await expect(page.locator("#person-referrals")).to_contain_text("No referrals yet.")
