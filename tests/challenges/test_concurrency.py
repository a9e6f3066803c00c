"""Advocates race for the last places of a challenge, with real commits."""

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from portal.challenges import service as challenges
from portal.challenges.models import Challenge, Submission
from portal.db import create_sessionmaker
from portal.points import service as points
from tests.factories import make_advocate, make_challenge


async def test_twenty_advocates_race_for_the_last_three_places(
    committed_engine: AsyncEngine,
) -> None:
    sessionmaker = create_sessionmaker(committed_engine)
    async with sessionmaker() as session:
        challenge = await make_challenge(session, max_total=3, points=40)
        advocates = [await make_advocate(session) for _ in range(20)]
        await session.commit()

    async def enter(advocate) -> bool:
        async with sessionmaker() as session:
            try:
                await challenges.submit_entry(
                    session,
                    user=advocate,
                    challenge_id=challenge.id,
                    key=f"race:{advocate.id}",
                    response={"text": "done"},
                )
            except challenges.SubmitRefused:
                await session.rollback()
                return False
            await session.commit()
            return True

    results = await asyncio.gather(*(enter(a) for a in advocates))
    assert results.count(True) == 3
    async with sessionmaker() as session:
        taken = await session.scalar(select(Challenge.taken).where(Challenge.id == challenge.id))
        entries = await session.scalar(
            select(func.count()).where(Submission.challenge_id == challenge.id)
        )
        assert (taken, entries) == (3, 3)
        for advocate, won in zip(advocates, results, strict=True):
            assert (await points.balance_of(session, advocate)).current == (40 if won else 0)
        assert await points.reconcile_balances(session) == []


async def test_a_double_click_from_one_advocate_is_one_submission(
    committed_engine: AsyncEngine,
) -> None:
    sessionmaker = create_sessionmaker(committed_engine)
    async with sessionmaker() as session:
        challenge = await make_challenge(session, max_per_user=5, points=10)
        advocate = await make_advocate(session)
        await session.commit()

    async def submit() -> int:
        async with sessionmaker() as session:
            submission = await challenges.submit_entry(
                session,
                user=advocate,
                challenge_id=challenge.id,
                key="one-form",
                response={"text": "done"},
            )
            await session.commit()
            return submission.id

    ids = set(await asyncio.gather(*(submit() for _ in range(5))))
    assert len(ids) == 1
    async with sessionmaker() as session:
        assert (await points.balance_of(session, advocate)).current == 10
        taken = await session.scalar(select(Challenge.taken).where(Challenge.id == challenge.id))
        assert taken == 1
