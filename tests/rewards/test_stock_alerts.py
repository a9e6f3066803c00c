"""Marketers hear once when a code pool falls under the threshold and once when a reward runs
out, not on every redemption; new stock re-arms the alert."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.notifications.models import Notification
from portal.outbox.models import OutboxEmail
from portal.rewards import service as rewards
from portal.rewards.models import RewardKind
from portal.trust import service as trust
from tests.factories import give_points, make_admin, make_advocate, make_marketer, make_reward


async def _alerts(session: AsyncSession, person) -> list[str]:  # type: ignore[no-untyped-def]
    return list(
        await session.scalars(
            select(Notification.title)
            .where(Notification.user_id == person.id, Notification.kind == "reward_stock")
            .order_by(Notification.id)
        )
    )


async def _redeem_all(session: AsyncSession, reward, count: int, start: int = 0) -> None:  # type: ignore[no-untyped-def]
    for number in range(start, start + count):
        advocate = await make_advocate(session)
        await give_points(session, advocate, reward.cost)
        await rewards.request_redemption(
            session, user=advocate, reward_id=reward.id, key=f"s{number}", shipping=None
        )


async def test_a_code_pool_alerts_once_under_the_threshold_and_once_when_empty(
    session: AsyncSession,
) -> None:
    admin = await make_admin(session)
    await trust.save_settings(session, actor=admin, low_code_pool=3)
    marketer = await make_marketer(session)
    pool = await make_reward(
        session,
        title="Coffee card",
        kind=RewardKind.CODE,
        cost=100,
        uses_code_pool=True,
        needs_approval=False,
    )
    await rewards.add_codes(
        session, staff=marketer, reward_id=pool.id, codes=["A1", "A2", "A3", "A4", "A5"]
    )
    await _redeem_all(session, pool, 2)  # 3 left: not under 3
    assert await _alerts(session, marketer) == []
    await _redeem_all(session, pool, 2, start=2)  # 2 left, then 1: one alert
    assert await _alerts(session, marketer) == ["Coffee card: only 2 codes left"]
    await _redeem_all(session, pool, 1, start=4)  # 0 left
    assert await _alerts(session, marketer) == [
        "Coffee card: only 2 codes left",
        "Coffee card has run out",
    ]
    emails = await session.scalar(
        select(func.count()).where(
            OutboxEmail.to_address == marketer.email, OutboxEmail.kind == "reward_stock"
        )
    )
    assert emails == 2
    assert len(await _alerts(session, admin)) == 2  # admins are told too
    # New codes re-arm both alerts: the next crossing tells again.
    await rewards.add_codes(
        session, staff=marketer, reward_id=pool.id, codes=[f"B{n}" for n in range(4)]
    )
    await _redeem_all(session, pool, 2, start=10)
    assert (await _alerts(session, marketer))[-1] == "Coffee card: only 2 codes left"
    assert len(await _alerts(session, marketer)) == 3


async def test_a_reward_with_inventory_alerts_once_when_it_runs_out(session: AsyncSession) -> None:
    marketer = await make_marketer(session)
    mug = await make_reward(session, title="Mug", cost=50, inventory=2)
    await _redeem_all(session, mug, 2)
    assert await _alerts(session, marketer) == ["Mug has run out"]
    body = await session.scalar(
        select(OutboxEmail.text_body).where(OutboxEmail.kind == "reward_stock")
    )
    assert "Mug has run out" in body
    assert "until you add stock" in body
