"""People at scale, in the browser: a 20-row CSV with two bad rows invited through Invite many,
one invitation accepted from the outbox, and a segment built over the newcomers."""

import uuid
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import LiveServer, OpenPage, sign_in_as_admin
from tests.browser.pages import AcceptInvitationPage, HomePage, OutboxPage, PeoplePage
from tests.browser.pages.segments import InviteManyPage, SegmentPage

PASSWORD = "lantern-harbour-violet-42"


def _csv(tag: str) -> str:
    rows = ["email,name,company,job title,language"]
    rows += [f"{tag}-{n}@example.com,Person {n} {tag},Bulkco {tag},Engineer,en" for n in range(18)]
    rows.append(f"not-an-address,Bad Row {tag},Bulkco {tag},,")
    rows.append(f"{tag}-3@example.com,Twice {tag},Bulkco {tag},,")
    return "\n".join(rows) + "\n"


@pytest.mark.browser
async def test_invite_many_accept_one_and_build_a_segment_over_them(
    admin_page: Page, open_page: OpenPage, live_server: LiveServer, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:8]
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(_csv(tag))

    people = await PeoplePage(admin_page).open()
    await admin_page.get_by_role("link", name="Invite many").click()
    invite_many = InviteManyPage(admin_page)
    await invite_many.upload(csv_file)
    await expect(invite_many.progress).to_contain_text("18 can be invited, 2 have a problem")
    await expect(invite_many.problems).to_have_count(2)
    await expect(invite_many.problems.nth(0)).to_contain_text("Not a valid email address")
    await expect(invite_many.problems.nth(1)).to_contain_text("Already on line 5 of this list")
    await invite_many.send(18)

    await people.open_manage("Outbox")
    outbox = OutboxPage(admin_page)
    await outbox.expect_loaded()
    message = await outbox.open_email_to(f"{tag}-7@example.com")
    await message.follow_link()
    accept = AcceptInvitationPage(admin_page)
    await accept.expect_for(f"{tag}-7@example.com")
    await accept.set_password(PASSWORD)
    await HomePage(admin_page).expect_signed_in_as(f"Person 7 {tag}")

    marketer = await open_page()
    await sign_in_as_admin(marketer, live_server)
    await marketer.goto("/manage/groups/")
    await marketer.get_by_role("link", name="Build a segment").click()
    segment = SegmentPage(marketer)
    await expect(segment.heading).to_have_text("New segment")
    await segment.name.fill(f"Bulkco {tag}")
    await segment.add_rule(0, kind="Company contains", value=f"bulkco {tag}")
    await segment.add_rule(1, kind="Job title contains", value="engineer")
    await segment.press("Preview")
    await expect(segment.count).to_have_text("18")
    await expect(segment.preview).to_contain_text(f"Person 7 {tag}")
    await segment.press("Save segment")
    await expect(segment.heading).to_have_text(f"Bulkco {tag}")
    members = marketer.locator("#members")
    await expect(members.locator(".count")).to_have_text("18")
    await expect(members).to_contain_text(f"Person 7 {tag}")
    await expect(marketer.locator("#segment-rules")).to_contain_text(
        f"Company contains bulkco {tag}"
    )
