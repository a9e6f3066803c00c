"""Thirty advocates race for the last five units, with real commits."""

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from portal.db import create_sessionmaker
from portal.points import service as points
from portal.rewards import service as rewards
from portal.rewards.models import Redemption, Reward, RewardCode, RewardKind
from tests.factories import give_points, make_advocate, make_marketer, make_reward

BASE = "http://portal.test"


async def _race(
    committed_engine: AsyncEngine, **reward_values: object
) -> tuple[list, Reward, list]:
    sessionmaker = create_sessionmaker(committed_engine)
    async with sessionmaker() as session:
        reward = await make_reward(session, cost=100, **reward_values)
        if reward.uses_code_pool:
            marketer = await make_marketer(session)
            await rewards.add_codes(
                session,
                staff=marketer,
                reward_id=reward.id,
                codes=[f"CODE-{reward.id}-{n}" for n in range(5)],
            )
        advocates = [await make_advocate(session) for _ in range(30)]
        for advocate in advocates:
            await give_points(session, advocate, 150)
        await session.commit()

    async def redeem(advocate) -> bool:
        async with sessionmaker() as session:
            try:
                await rewards.request_redemption(
                    session,
                    user=advocate,
                    reward_id=reward.id,
                    key=f"race:{advocate.id}",
                    shipping=None,
                )
            except rewards.RedeemRefused:
                await session.rollback()
                return False
            await session.commit()
            return True

    results = await asyncio.gather(*(redeem(a) for a in advocates))
    return results, reward, advocates


async def test_thirty_advocates_race_for_the_last_five_units(committed_engine: AsyncEngine) -> None:
    results, reward, advocates = await _race(committed_engine, inventory=5)
    assert results.count(True) == 5
    async with create_sessionmaker(committed_engine)() as session:
        assert await session.scalar(select(Reward.inventory).where(Reward.id == reward.id)) == 0
        for advocate, won in zip(advocates, results, strict=True):
            balance = await points.balance_of(session, advocate)
            assert balance.current == (50 if won else 150)
        assert await points.reconcile_balances(session) == []


async def test_no_code_is_given_twice_when_redeemers_race(committed_engine: AsyncEngine) -> None:
    results, reward, _ = await _race(
        committed_engine, kind=RewardKind.CODE, uses_code_pool=True, needs_approval=False
    )
    assert results.count(True) == 5
    async with create_sessionmaker(committed_engine)() as session:
        assigned = list(
            await session.scalars(
                select(RewardCode.redemption_id).where(RewardCode.reward_id == reward.id)
            )
        )
        assert None not in assigned
        assert len(set(assigned)) == 5
        fulfilled = await session.scalar(
            select(func.count()).where(
                Redemption.reward_id == reward.id, Redemption.status == "fulfilled"
            )
        )
        assert fulfilled == 5


async def test_the_same_advocate_double_submitting_gets_one_redemption(
    committed_engine: AsyncEngine,
) -> None:
    sessionmaker = create_sessionmaker(committed_engine)
    async with sessionmaker() as session:
        reward = await make_reward(session, cost=100)
        advocate = await make_advocate(session)
        await give_points(session, advocate, 1_000)
        await session.commit()

    async def submit() -> int:
        async with sessionmaker() as session:
            redemption = await rewards.request_redemption(
                session,
                user=advocate,
                reward_id=reward.id,
                key="one-form",
                shipping=None,
            )
            await session.commit()
            return redemption.id

    ids = set(await asyncio.gather(*(submit() for _ in range(5))))
    assert len(ids) == 1
    async with sessionmaker() as session:
        assert (await points.balance_of(session, advocate)).current == 900
