"""People at scale, in the browser: a 20-row CSV with two bad rows invited through Invite many,
one invitation accepted from the outbox, a segment built over the newcomers, and a message sent
to the segment that reaches the one who joined (bell and outbox)."""

import re
import uuid
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import LiveServer, OpenPage, sign_in_as_admin
from tests.browser.pages import AcceptInvitationPage, HomePage, OutboxPage, PeoplePage
from tests.browser.pages.messages import ComposePage
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

    # A message to the segment reaches its active members: the one who accepted.
    compose = await ComposePage(marketer).open()
    await compose.write(
        subject=f"Welcome {tag}, {{first_name}}",
        body="<p>Glad you joined.</p>",
        group=f"Bulkco {tag}",
    )
    await compose.preview_as(f"{tag}-7@example.com")
    await expect(compose.preview_reach).to_contain_text("Reaches 1 person now.")
    sent = await compose.send()
    await expect(sent.status).to_have_text("sent", timeout=15_000)
    await expect(sent.stat("delivered")).to_have_text("1")
    await marketer.goto(OutboxPage.path)
    await OutboxPage(marketer).open_email_to(f"{tag}-7@example.com")
    await expect(marketer.locator("body")).to_contain_text(f"Welcome {tag}, Person")
    await admin_page.goto("/")
    await admin_page.locator("#bell").click()
    await expect(
        admin_page.get_by_role("button", name=re.compile(f"^Welcome {tag}, Person"))
    ).to_be_visible()
