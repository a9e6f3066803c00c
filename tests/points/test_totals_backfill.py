"""Migration 0019 backfills the daily totals, the earned days and the first-earned time from
the ledger exactly as the ledger transaction writes them."""

import os
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from portal import clock
from portal.db import create_engine, create_sessionmaker
from portal.points import service as points
from portal.points.models import Balance, DailyTotal, EarnedDay
from tests.conftest import drop_pg_database, empty_database_url, run_migrations
from tests.factories import make_advocate, make_marketer


async def _totals(sessionmaker) -> tuple[set, set, set]:
    async with sessionmaker() as session:
        moved = {
            (r.day, r.kind, r.source_type, r.shard, r.added, r.removed)
            for r in await session.scalars(select(DailyTotal))
        }
        earned = {(r.day, r.user_id) for r in await session.scalars(select(EarnedDay))}
        first = {(r.user_id, r.first_earned_at) for r in await session.scalars(select(Balance))}
    return moved, earned, first


async def test_the_backfill_equals_what_the_ledger_writes(backend: str, tmp_path: Path) -> None:
    url = await empty_database_url(backend, tmp_path, "backfill")
    engine = create_engine(url)
    try:
        run_migrations(url)
        sessionmaker = create_sessionmaker(engine)
        async with sessionmaker() as session:
            ann, bob = await make_advocate(session), await make_advocate(session)
            marketer = await make_marketer(session)
            for days, (person, amount) in enumerate([(ann, 50), (bob, 20), (ann, 30), (bob, 5)]):
                with clock.shifted(-timedelta(days=4 - days)):
                    await points.award(
                        session,
                        person,
                        points=amount,
                        reason="r",
                        key=f"k{days}",
                        source=points.Source("submission", days),
                    )
            await points.spend(session, ann, points=60, reason="r", key="spend")
            await points.adjust(session, bob, points=-10, reason="r", key="adj", actor=marketer)
            await session.commit()
        written = await _totals(sessionmaker)
        assert len(written[0]) == 6  # four days of awards, today's spend and adjustment
        assert len(written[1]) == 4
        run_migrations(url, "0018", down=True)
        run_migrations(url)
        assert await _totals(sessionmaker) == written
    finally:
        await engine.dispose()
        if backend == "postgresql":
            await drop_pg_database(f"portal_backfill_{os.getpid()}")
