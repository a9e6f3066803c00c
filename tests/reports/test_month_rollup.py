"""Points issued per person per UTC month (`points_issued_months`) agree with the day rows, as
the ledger transaction writes them and as migration 0037 backfills them; and a period's issued
points, read as whole months from them and its ends by day, are the points of its days."""

import os
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.clock import utcnow
from portal.db import create_engine, create_sessionmaker
from portal.points import service as points
from portal.points.models import IssuedDay, IssuedMonth
from portal.reports.engagement import issued_parts
from tests.conftest import drop_pg_database, empty_database_url, run_migrations
from tests.factories import make_advocate, make_marketer

# Days ago of each award: across four month ends whatever today is.
AWARD_DAYS = (0, 1, 2, 9, 17, 29, 30, 31, 33, 45, 59, 60, 61, 62, 75, 89, 90, 91, 100, 119)


async def _months(session: AsyncSession) -> dict[tuple[date, int], int]:
    return {(r.month, r.user_id): r.points for r in await session.scalars(select(IssuedMonth))}


async def _issued_between(session: AsyncSession, first: date, last: date) -> dict[int, int]:
    parts = issued_parts(first, last)
    rows = await session.execute(
        select(parts.c.user_id, func.sum(parts.c.points)).group_by(parts.c.user_id)
    )
    return {user_id: int(total) for user_id, total in rows}


async def test_whole_months_and_ragged_ends_add_up_to_the_days(
    backend: str, tmp_path: Path
) -> None:
    url = await empty_database_url(backend, tmp_path, "months")
    engine = create_engine(url)
    try:
        run_migrations(url)
        sessionmaker = create_sessionmaker(engine)
        async with sessionmaker() as session:
            ann, bob = await make_advocate(session), await make_advocate(session)
            marketer = await make_marketer(session)
            for n, days in enumerate(AWARD_DAYS):
                with clock.shifted(-timedelta(days=days)):
                    await points.award(session, ann, points=10 + n, reason="r", key=f"a{n}")
                    if n % 3 == 0:
                        await points.award(session, bob, points=100 + n, reason="r", key=f"b{n}")
            await points.adjust(session, bob, points=7, reason="r", key="up", actor=marketer)
            await points.adjust(session, bob, points=-3, reason="r", key="down", actor=marketer)
            await points.spend(session, ann, points=5, reason="r", key="spend")
            await session.commit()

            day_rows = {
                (r.day, r.user_id): r.points for r in await session.scalars(select(IssuedDay))
            }
            by_month: dict[tuple[date, int], int] = defaultdict(int)
            for (day, user_id), amount in day_rows.items():
                by_month[(day.replace(day=1), user_id)] += amount
            written = await _months(session)
            assert written == dict(by_month)

            today = utcnow().date()
            month_start = today.replace(day=1)
            previous_month_end = month_start - timedelta(days=1)
            periods = [(today - timedelta(days=n - 1), today) for n in (1, 7, 30, 90, 120)]
            periods += [
                (previous_month_end.replace(day=1), previous_month_end),  # one whole month
                (previous_month_end.replace(day=1), today),  # starts on a first
                (today - timedelta(days=100), previous_month_end),  # ends on a last
                (previous_month_end, month_start),  # two days across a month end
            ]
            for first, last in periods:
                expected: dict[int, int] = defaultdict(int)
                for (day, user_id), amount in day_rows.items():
                    if first <= day <= last:
                        expected[user_id] += amount
                assert await _issued_between(session, first, last) == dict(expected), (first, last)

        run_migrations(url, "0036", down=True)
        run_migrations(url)
        async with sessionmaker() as session:
            assert await _months(session) == written
    finally:
        await engine.dispose()
        if backend == "postgresql":
            await drop_pg_database(f"portal_months_{os.getpid()}")
