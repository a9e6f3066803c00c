"""An advocate redeems a hoodie; a marketer approves and ships it; the advocate follows it."""

import uuid

import pytest
from playwright.async_api import expect

from portal.people.models import Role
from portal.points import service as points
from tests.browser.conftest import LiveServer, OpenPage
from tests.browser.pages import LoginPage, QueuePage, RewardsPage
from tests.factories import PASSWORD, give_points, make_reward, make_user

pytestmark = pytest.mark.browser


async def test_redeem_a_physical_reward_through_to_fulfilled(
    live_server: LiveServer, open_page: OpenPage
) -> None:
    tag = uuid.uuid4().hex[:6]
    async with live_server.session() as session:
        advocate = await make_user(session, name="Rosa Redeemer", email=f"rosa-{tag}@example.com")
        marketer = await make_user(
            session, name="Mia Marketer", email=f"mia-{tag}@example.com", roles=(Role.MARKETER,)
        )
        await give_points(session, advocate, 1_500)
        await make_reward(session, title=f"Hoodie {tag}", cost=1_200)

    advocate_page = await open_page()
    await (await LoginPage(advocate_page).open()).sign_in_expecting_home(advocate.email, PASSWORD)
    redeem = await (await RewardsPage(advocate_page).open()).choose(f"Hoodie {tag}")
    await expect(advocate_page.locator("#balance-after")).to_have_text("300 points")
    redemption = await redeem.redeem_with_shipping(
        name="Rosa Redeemer",
        street="Calle Mayor 1",
        city="Madrid",
        postal_code="28013",
        country="Spain",
    )
    await expect(redemption.status).to_have_text("requested")

    staff_page = await open_page()
    await (await LoginPage(staff_page).open()).sign_in_expecting_home(marketer.email, PASSWORD)
    queue = QueuePage(staff_page)
    await queue.open_manage("Fulfilment queue")
    await queue.row("Rosa Redeemer").approve()
    await queue.expect_flash("is now approved")
    await queue.row("Rosa Redeemer").fulfil("SEUR 998877")
    await queue.expect_flash("is now fulfilled")

    await advocate_page.reload()
    await expect(redemption.status).to_have_text("fulfilled")
    await expect(redemption.timeline).to_contain_text("SEUR 998877")
    await advocate_page.goto("/points/")
    await expect(advocate_page.locator("#ledger-rows tr").first).to_contain_text(
        f"Redeemed: Hoodie {tag}"
    )
    await expect(advocate_page.locator("#ledger-rows tr").first).to_contain_text("-1,200")
    async with live_server.session() as session:
        assert (await points.balance_of(session, advocate)).current == 300
