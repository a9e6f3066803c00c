"""The referred friend's welcome code end to end: the marketer chooses in Manage → Referrals to
send it when a referral is won; a prospect arrives through an advocate's campaign link and
submits; once won, the advocate sees the campaign's points and the friend's email with a code
from the friends' pool is in the outbox; an advocate's peer follows their invitation link."""

import uuid
from datetime import timedelta

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select

from portal.referrals import service as referrals
from portal.referrals.models import Referral, Stage
from portal.referrals.service.campaigns import program_today
from portal.rewards import service as rewards
from portal.rewards.models import RewardKind
from tests.browser.conftest import LiveServer, OpenPage
from tests.browser.pages import LoginPage, OutboxPage
from tests.factories import PASSWORD, make_advocate, make_marketer, make_reward, make_sales


@pytest.mark.browser
async def test_a_won_campaign_referral_sends_the_friend_a_code_from_the_pool(
    admin_page: Page, open_page: OpenPage, live_server: LiveServer
) -> None:
    tag = uuid.uuid4().hex[:6]
    async with live_server.session() as session:
        marketer = await make_marketer(session, email=f"mia-{tag}@example.com")
        ada = await make_advocate(session, name="Ada Lovelace", email=f"ada-{tag}@example.com")
        rep = await make_sales(session, name="Sam Seller", email=f"sam-{tag}@example.com")
        pool = await make_reward(
            session,
            title=f"Welcome {tag}",
            kind=RewardKind.CODE,
            uses_code_pool=True,
            is_active=False,
            for_referred_friends=True,
        )
        await rewards.add_codes(
            session, staff=marketer, reward_id=pool.id, codes=[f"HELLO-{tag}-1", f"HELLO-{tag}-2"]
        )
        campaign = await referrals.create_campaign(
            session,
            actor=marketer,
            plan=referrals.CampaignPlan(
                name=f"Spring {tag}",
                starts_on=program_today() - timedelta(days=1),
                bonus_points={"submitted": 25},
            ),
        )
    prospect_email = f"grace-{tag}@navylabs.example"

    await admin_page.goto("/manage/referrals/")
    await admin_page.get_by_label("Send it").select_option(label="When it reaches Won")
    await admin_page.get_by_label("Offer in the email").fill("20% off your first year.")
    await admin_page.get_by_role("button", name="Save settings").click()
    await expect(admin_page.get_by_text("Referral settings saved.")).to_be_visible()

    prospect = await open_page()
    await prospect.goto(f"/r/{ada.referral_code}/{campaign.slug}")
    await prospect.get_by_label("Your name").fill("Grace Hopper")
    await prospect.get_by_label("Your work email").fill(prospect_email)
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
    await expect(advocate.locator(f"#timeline-{referral_id}")).to_contain_text("+75 points")

    await admin_page.goto(OutboxPage.path)
    outbox = OutboxPage(admin_page)
    await outbox.expect_loaded()
    await outbox.open_email_to(prospect_email)
    body = admin_page.locator("pre.email-text")
    await expect(body).to_contain_text("Ada Lovelace recommended us")
    await expect(body).to_contain_text("20% off your first year.")
    await expect(body).to_contain_text(f"Your code: HELLO-{tag}-1")


@pytest.mark.browser
async def test_a_peer_joins_through_an_advocates_invitation_link(
    open_page: OpenPage, live_server: LiveServer
) -> None:
    tag = uuid.uuid4().hex[:6]
    async with live_server.session() as session:
        ada = await make_advocate(session, name="Ada Lovelace", email=f"ada-{tag}@example.com")
    advocate = await open_page()
    await LoginPage(advocate).open()
    await LoginPage(advocate).sign_in(ada.email, PASSWORD)
    await advocate.goto("/referrals/")
    await advocate.get_by_role("link", name="Invite peers to the program").click()
    link = await advocate.locator("#invite-link").input_value()

    peer = await open_page()
    await peer.goto(link)
    await expect(peer.locator("#invited-by")).to_be_visible()
    await peer.get_by_label("Your name").fill("Lena Park")
    await peer.get_by_label("Work email").fill(f"lena-{tag}@peers.example")
    await peer.get_by_label("Password").fill("a long enough password")
    await peer.get_by_role("button", name="Join").click()
    await expect(peer.locator("#signup-waiting")).to_be_visible()  # sign-up is closed: approval

    await advocate.reload()
    await expect(advocate.locator("#recruits")).to_contain_text("Lena Park")
    await expect(advocate.locator("#recruits")).to_contain_text("Waiting for approval")
