"""A referral from the advocate's form to won: the rep claims and moves it, the advocate sees
the timeline and the 1 550 points (50 + 200 + 300 + 1 000 with the default point structure)."""

import re
import uuid

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import LiveServer, OpenPage
from tests.browser.pages import (
    AcceptInvitationPage,
    HomePage,
    Layout,
    MyReferralsPage,
    OutboxPage,
    PeoplePage,
    PipelinePage,
    ReferralPage,
)

PASSWORD = "lantern-harbour-violet-42"


async def invite(admin_page: Page, *, name: str, email: str, role: str) -> str:
    """As the signed-in admin: Manage → People → Invite someone; the link from the outbox."""
    await Layout(admin_page).open_manage("People")
    people = PeoplePage(admin_page)
    await people.expect_loaded()
    form = await people.start_invitation()
    people = await form.invite(name=name, email=email, role=role)
    await people.expect_flash(f"Invitation sent to {email}")
    await people.open_manage("Outbox")
    outbox = OutboxPage(admin_page)
    await outbox.expect_loaded()
    message = await outbox.open_email_to(email)
    return await message.link()


async def join(admin_page: Page, open_page: OpenPage, *, name: str, role: str) -> Page:
    """The admin invites the person; they open the emailed link in a browser of their own."""
    email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:8]}@example.com"
    link = await invite(admin_page, name=name, email=email, role=role)
    page = await open_page()
    await page.goto(link)
    await AcceptInvitationPage(page).set_password(PASSWORD)
    await HomePage(page).expect_signed_in_as(name)
    return page


@pytest.mark.browser
async def test_an_advocates_referral_is_won_and_pays_1550_points(
    admin_page: Page, open_page: OpenPage, live_server: LiveServer
) -> None:
    advocate = await join(admin_page, open_page, name="Ada Advocate", role="Advocate")
    rep = await join(admin_page, open_page, name="Sam Seller", role="Sales rep")
    prospect = f"Grace Hopper {uuid.uuid4().hex[:6]}"

    mine = await MyReferralsPage(advocate).open()
    await expect(mine.qr_code).to_be_visible()
    await expect(mine.share_link).to_have_value(re.compile(rf"^{live_server.base_url}/r/\w+$"))
    form = await mine.start_referral()
    await form.refer(
        name=prospect,
        email=f"grace-{uuid.uuid4().hex[:8]}@navylabs.example",
        company="Navy Labs",
        note="Met her at the compiler conference.",
    )
    referral = ReferralPage(advocate)
    await referral.expect_flash(f"Thank you for referring {prospect}!")
    await expect(referral.stage).to_have_text("Submitted")
    await expect(referral.step("Submitted")).to_contain_text("+50 points")

    pipeline = await PipelinePage(rep).open()
    await expect(
        pipeline.column("Submitted").locator(".pipeline-card", has_text=prospect)
    ).to_be_visible()
    await pipeline.claim(prospect)
    await expect(pipeline.card(prospect)).to_contain_text("Owner: Sam Seller")
    await pipeline.move(prospect, "Qualified")
    await pipeline.move(prospect, "Opportunity")
    await pipeline.move(prospect, "Won")

    await advocate.reload()
    await expect(referral.stage).to_have_text("Won")
    for stage, paid in (("Qualified", "+200"), ("Opportunity", "+300"), ("Won", "+1,000")):
        await expect(referral.step(stage)).to_contain_text(f"{paid} points")
    await referral.open_user_menu()
    await advocate.get_by_role("link", name="My points").click()
    await expect(advocate.locator(".balance-pill")).to_contain_text("1,550 to spend")
