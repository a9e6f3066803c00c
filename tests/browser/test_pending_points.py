"""A flagged referral's points wait: the advocate sees "pending review" on the timeline and on
My points, a sales rep clears the flags, and the 50 points arrive."""

import re
import uuid

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import LiveServer, OpenPage
from tests.browser.pages import Layout, MyReferralsPage, ReferralPage
from tests.browser.test_referrals import join


@pytest.mark.browser
async def test_a_flagged_referral_pays_once_a_rep_clears_its_flags(
    admin_page: Page, open_page: OpenPage, live_server: LiveServer
) -> None:
    advocate = await join(admin_page, open_page, name="Fay Flagged", role="Advocate")
    rep = await join(admin_page, open_page, name="Rex Reviewer", role="Sales rep")
    prospect = f"Linus Free {uuid.uuid4().hex[:6]}"

    form = await (await MyReferralsPage(advocate).open()).start_referral()
    # A free-mail address: the referral is flagged for a person to look at.
    await form.refer(
        name=prospect, email=f"linus-{uuid.uuid4().hex[:8]}@gmail.com", company="", note=""
    )
    referral = ReferralPage(advocate)
    await expect(referral.step("Submitted")).to_contain_text("pending review")
    referral_id = re.search(r"/referrals/(\d+)", advocate.url).group(1)  # type: ignore[union-attr]

    await advocate.goto(f"{live_server.base_url}/points/")
    await expect(advocate.locator("#points-waiting")).to_contain_text("50 points pending")
    await expect(advocate.locator("#ledger-rows")).to_contain_text("pending review")
    await expect(advocate.locator(".balance-pill")).to_contain_text("0 to spend")

    await rep.goto(f"{live_server.base_url}/pipeline/{referral_id}")
    await rep.get_by_role("button", name="Clear flags and pay the points").click()
    await Layout(rep).expect_flash("50 pending points are paid")

    await advocate.reload()
    await expect(advocate.locator(".balance-pill")).to_contain_text("50 to spend")
    await expect(advocate.locator("#points-waiting")).to_have_count(0)
    await expect(advocate.locator("#ledger-rows")).to_contain_text("released")
