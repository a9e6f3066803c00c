"""A marketer ticks two approved redemptions, marks them fulfilled in one go after a page that
states the count, and the third stays as it was."""

import uuid

import pytest
from playwright.async_api import expect

from portal.people.models import Role
from portal.rewards import service as rewards
from tests.browser.conftest import LiveServer, OpenPage
from tests.browser.pages import LoginPage, QueuePage
from tests.factories import PASSWORD, give_points, make_reward, make_user

pytestmark = pytest.mark.browser


async def test_bulk_fulfil_the_ticked_redemptions(
    live_server: LiveServer, open_page: OpenPage
) -> None:
    tag = uuid.uuid4().hex[:6]
    names = [f"Bulk {n} {tag}" for n in range(3)]
    async with live_server.session() as session:
        marketer = await make_user(
            session, name="Bea Bulk", email=f"bea-{tag}@example.com", roles=(Role.MARKETER,)
        )
        reward = await make_reward(session, title=f"Mug {tag}", cost=100)
        for n, name in enumerate(names):
            advocate = await make_user(session, name=name, email=f"bulk{n}-{tag}@example.com")
            await give_points(session, advocate, 100)
            redemption = await rewards.request_redemption(
                session,
                user=advocate,
                reward_id=reward.id,
                key=f"bulk-{tag}-{n}",
                shipping={
                    "name": name,
                    "street": "1 Main St",
                    "city": "Lyon",
                    "postal_code": "69001",
                    "country": "France",
                    "phone": "",
                },
            )
            await rewards.approve_redemption(session, staff=marketer, redemption_id=redemption.id)

    page = await open_page()
    await (await LoginPage(page).open()).sign_in_expecting_home(marketer.email, PASSWORD)
    queue = QueuePage(page)
    await queue.open_manage("Fulfilment queue")
    await queue.row(names[0]).tick()
    await queue.row(names[2]).tick()
    confirm = await queue.act_on_ticked("Mark fulfilled", note=f"La Poste {tag}")
    await expect(confirm.heading).to_have_text("Mark fulfilled: 2 redemptions?")
    await expect(confirm.count).to_have_text("2")
    queue = await confirm.confirm()
    await queue.expect_flash("2 redemptions fulfilled.")
    await page.goto("/manage/rewards/queue?status=all")
    for name, status in zip(names, ["fulfilled", "approved", "fulfilled"], strict=True):
        await expect(queue.row(name).row.locator(".status")).to_have_text(status)
    await expect(queue.row(names[0]).row).to_contain_text(f"La Poste {tag}")
