"""A marketer opens Reports, looks at last week for one group, and downloads a table as CSV."""

import csv
import io
import re
import uuid

import pytest
from playwright.async_api import expect

from portal.people.models import Group, GroupMember, Role
from tests.browser.conftest import DESKTOP, PHONE, LiveServer, OpenPage
from tests.browser.pages import LoginPage, ReportsPage
from tests.factories import PASSWORD, give_points, make_user

pytestmark = pytest.mark.browser


async def test_change_the_period_and_group_then_download_a_csv(
    live_server: LiveServer, open_page: OpenPage
) -> None:
    tag = uuid.uuid4().hex[:6]
    async with live_server.session() as session:
        marketer = await make_user(
            session, name="Mia Marketer", email=f"mia-{tag}@example.com", roles=(Role.MARKETER,)
        )
        members = [
            await make_user(session, name=f"Member {n}", email=f"member{n}-{tag}@example.com")
            for n in range(2)
        ]
        outsider = await make_user(session, name="Outsider", email=f"out-{tag}@example.com")
        for person in (*members, outsider):
            await give_points(session, person, 100)
        group = Group(name=f"Pilot {tag}")
        session.add(group)
        await session.flush()
        session.add_all(GroupMember(group_id=group.id, user_id=m.id) for m in members)

    page = await open_page()
    await (await LoginPage(page).open()).sign_in_expecting_home(marketer.email, PASSWORD)
    reports = await ReportsPage(page).open()
    await expect(reports.period).to_contain_text("everyone")
    await reports.show(period="Last 7 days", group=f"Pilot {tag}")
    await expect(reports.period).to_contain_text(f"Pilot {tag}")
    await expect(reports.figure("engaged").value).to_have_text("2")
    await expect(reports.figure("engaged").change).to_have_text("new")
    assert "span=7d" in page.url

    download = await reports.download_csv("figures")
    path = await download.path()
    text = path.read_text(encoding="utf-8-sig")
    rows = {row["figure"]: row for row in csv.DictReader(io.StringIO(text))}
    assert rows["Engaged (earned points)"]["this_period"] == "2"
    assert download.suggested_filename.startswith("overview-figures-")


async def test_open_the_funnel_and_every_other_report_on_a_desktop_and_a_phone(
    live_server: LiveServer, open_page: OpenPage
) -> None:
    tag = uuid.uuid4().hex[:6]
    async with live_server.session() as session:
        marketer = await make_user(
            session, name="Max Marketer", email=f"max-{tag}@example.com", roles=(Role.MARKETER,)
        )
        advocate = await make_user(session, name=f"Ada {tag}", email=f"ada-{tag}@example.com")
        # Enough to lead the top advocates whatever other tests on this server earned.
        await give_points(session, advocate, 5_000_000)

    # What each tab shows once it has opened: a table only that report has.
    tabs = {
        "Referral funnel": "#stages-table",
        "Engagement": "#days-table",
        "Value": "#kinds-table",
        "Cohorts": "#cohorts-table",
        "Rewards": "#status-table",
    }
    for viewport in (DESKTOP, PHONE):
        page = await open_page(viewport)
        await (await LoginPage(page).open()).sign_in_expecting_home(marketer.email, PASSWORD)
        reports = await ReportsPage(page).open()
        await reports.show(period="Last 90 days", group="Everyone")
        await expect(reports.period).to_contain_text(" to ")  # the 90 days are shown
        await expect(page).to_have_url(re.compile(r"span=90d"))
        for name, table in tabs.items():
            await reports.open_tab(name)
            await expect(page.locator(table)).to_be_attached()
            assert "span=90d" in page.url, name  # the period went along
            width = await page.evaluate(
                "() => document.documentElement.scrollWidth - window.innerWidth"
            )
            assert width <= 0, f"{name} scrolls sideways by {width}px"
        await expect(page.locator("#advocates-table")).to_have_count(0)  # on Rewards now
        await reports.open_tab("Engagement")
        await expect(page.locator("#advocates-table")).to_contain_text(f"Ada {tag}")
