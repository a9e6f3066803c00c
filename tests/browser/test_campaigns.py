"""A campaign link end to end: a prospect arrives through an advocate's campaign link with UTM
tags, answers the campaign's question and submits; once won, the advocate sees the campaign and
its bonus in the referral's timeline, and the rep sees where it came from."""

import uuid
from datetime import timedelta

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from portal.referrals import service as referrals
from portal.referrals.models import Referral, Stage
from portal.referrals.service.campaigns import program_today
from tests.browser.conftest import LiveServer, OpenPage
from tests.browser.pages import LoginPage
from tests.factories import PASSWORD, make_advocate, make_marketer, make_sales


@pytest.mark.browser
async def test_a_campaign_link_brings_a_won_referral_with_the_campaign_bonus(
    open_page: OpenPage, live_server: LiveServer
) -> None:
    tag = uuid.uuid4().hex[:6]
    async with live_server.session() as session:
        marketer = await make_marketer(session, email=f"mia-{tag}@example.com")
        ada = await make_advocate(session, name="Ada Lovelace", email=f"ada-{tag}@example.com")
        rep = await make_sales(session, name="Sam Seller", email=f"sam-{tag}@example.com")
        campaign = await referrals.create_campaign(
            session,
            actor=marketer,
            plan=referrals.CampaignPlan(
                name=f"Spring {tag}",
                starts_on=program_today() - timedelta(days=1),
                bonus_points={"submitted": 25, "won": 500},
                questions="How many seats do you need?",
            ),
        )
    prospect_email = f"grace-{tag}@navylabs.example"

    prospect = await open_page()
    await prospect.goto(f"/r/{ada.referral_code}/{campaign.slug}?utm_source=newsletter")
    await prospect.get_by_label("Your name").fill("Grace Hopper")
    await prospect.get_by_label("Your work email").fill(prospect_email)
    await prospect.get_by_label("How many seats do you need? (optional)").fill("About 40")
    await prospect.get_by_role("button", name="Get in touch").click()
    await expect(prospect.get_by_role("status")).to_contain_text("Thank you!")

    async with live_server.session() as session:
        referral_id = await session.scalar(
            select(Referral.id).where(Referral.prospect_email == prospect_email)
        )
        assert referral_id is not None
        loaded = await referrals.access_referral(session, referral_id)
        await referrals.move_referral(session, loaded, to=Stage.WON, actor=rep)

    advocate = await open_page()
    await LoginPage(advocate).open()
    await LoginPage(advocate).sign_in(ada.email, PASSWORD)
    await advocate.goto(f"/referrals/{referral_id}")
    await expect(advocate.locator("#referral-campaign")).to_contain_text(f"Spring {tag}")
    timeline = advocate.locator(f"#timeline-{referral_id}")
    await expect(timeline).to_contain_text("+75 points")  # 50 + the 25 bonus
    # Straight to won: qualified 200 + opportunity 300 + won 1,000 + the 500 bonus.
    await expect(timeline).to_contain_text("+2,000 points")
    await expect(advocate.locator("#referral-credit")).to_contain_text("Credited to you")

    staff = await open_page()
    await LoginPage(staff).open()
    await LoginPage(staff).sign_in(rep.email, PASSWORD)
    await staff.goto(f"/pipeline/{referral_id}")
    await expect(staff.locator("#referral-utm")).to_contain_text("newsletter")
    await expect(staff.locator("#referral-touches")).to_contain_text("Ada Lovelace")
