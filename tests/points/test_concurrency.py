"""Races between real transactions, on a database of their own (they commit)."""

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from portal.db import create_sessionmaker
from portal.errors import NotFound
from portal.people.models import User
from portal.points import service as points
from portal.points.models import LedgerEntry
from portal.points.service import earning
from tests.factories import make_advocate


async def _advocate_with(sessionmaker: async_sessionmaker[AsyncSession], amount: int) -> User:
    async with sessionmaker() as session:
        advocate = await make_advocate(session)
        await points.award(
            session, advocate, points=amount, reason="Start", key=f"start:{advocate.id}"
        )
        await session.commit()
        return advocate


async def test_fifty_concurrent_spends_never_overdraw(committed_engine: AsyncEngine) -> None:
    sessionmaker = create_sessionmaker(committed_engine)
    advocate = await _advocate_with(sessionmaker, 1_000)

    async def spend(n: int) -> bool:
        async with sessionmaker() as session:
            try:
                await points.spend(
                    session, advocate, points=60, reason="Mug", key=f"race:{advocate.id}:{n}"
                )
            except points.InsufficientPoints:
                await session.rollback()
                return False
            await session.commit()
            return True

    results = await asyncio.gather(*(spend(n) for n in range(50)))
    assert results.count(True) == 1_000 // 60  # 16 affordable, 34 refused
    async with sessionmaker() as session:
        balance = await points.balance_of(session, advocate)
        assert balance.current == 1_000 - 16 * 60
        spends = await session.scalar(
            select(func.count()).where(LedgerEntry.user_id == advocate.id, LedgerEntry.delta < 0)
        )
        assert spends == 16
        assert await points.reconcile_balances(session) == []


async def test_the_same_key_from_two_transactions_at_once_is_one_entry(
    committed_engine: AsyncEngine,
) -> None:
    sessionmaker = create_sessionmaker(committed_engine)
    advocate = await _advocate_with(sessionmaker, 10)

    async def award() -> int:
        async with sessionmaker() as session:
            entry = await points.award(
                session,
                advocate,
                points=200,
                reason="Referral qualified",
                key=f"referral:{advocate.id}:stage:qualified",
            )
            await session.commit()
            return entry.id

    ids = await asyncio.gather(*(award() for _ in range(8)))
    assert len(set(ids)) == 1
    async with sessionmaker() as session:
        assert (await points.balance_of(session, advocate)).current == 210


async def test_two_workers_releasing_the_same_due_points_pay_them_once(
    committed_engine: AsyncEngine,
) -> None:
    sessionmaker = create_sessionmaker(committed_engine)
    advocate = await _advocate_with(sessionmaker, 10)
    async with sessionmaker() as session:
        held = [
            await points.award(
                session,
                advocate,
                points=100,
                reason="Won",
                key=f"held:{advocate.id}:{n}",
                review="Flagged",
            )
            for n in range(3)
        ]
        await session.commit()

    async def worker() -> None:
        # Each worker reads the same entries before either settles them, like two job runs.
        async with sessionmaker() as session:
            for entry in held:
                await earning.release(session, entry, actor=None)
            await session.commit()

    async def staff(entry_id: int) -> None:
        async with sessionmaker() as session:
            try:
                await points.release_pending(session, entry_id, reason="Looks fine")
            except NotFound:  # the other decision came first
                await session.rollback()
                return
            await session.commit()

    await asyncio.gather(worker(), worker(), staff(held[0].id), staff(held[1].id))
    async with sessionmaker() as session:
        assert (await points.balance_of(session, advocate)).current == 10 + 300
        settled = await session.scalar(
            select(func.count()).where(LedgerEntry.original_id.in_([e.id for e in held]))
        )
        assert settled == 3
        assert await points.reconcile_balances(session) == []
