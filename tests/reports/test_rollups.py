"""The rollups the reports read agree with what they count: advocates active per day with the
visits, earners per day and points issued per person per day with the ledger, and the return-day
counters (each person's day against their day before) with both, as written by the services and as
migrations 0029 and 0039 backfill them; and the Value page, which keeps only its first
advocates, still says how many there are in all."""

import os
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.clock import utcnow
from portal.db import create_engine, create_sessionmaker
from portal.people import sessions
from portal.people.models import ACTIVE_SHARDS, NEVER, ActiveDay, ActiveReturns, DailyActives
from portal.points import service as points
from portal.points.models import (
    DAILY_SHARDS,
    DailyEarners,
    EarnedDay,
    EarnerReturns,
    IssuedDay,
    LedgerEntry,
)
from portal.reports.periods import Span, period_of
from portal.reports.value import value_report
from tests.conftest import drop_pg_database, empty_database_url, run_migrations
from tests.factories import make_advocate, make_marketer
from tests.reports.conftest import Program


async def _rollups(session: AsyncSession) -> tuple[dict, dict, dict, dict, dict]:
    actives = {(r.day, r.shard): r.advocates for r in await session.scalars(select(DailyActives))}
    earners = {(r.day, r.shard): r.earners for r in await session.scalars(select(DailyEarners))}
    issued = {(r.day, r.user_id): r.points for r in await session.scalars(select(IssuedDay))}
    returned = {
        (r.day, r.since, r.shard): r.advocates for r in await session.scalars(select(ActiveReturns))
    }
    earned_again = {
        (r.day, r.since, r.shard): r.earners for r in await session.scalars(select(EarnerReturns))
    }
    return actives, earners, issued, returned, earned_again


def _returns(days: list[tuple[date, int]], shards: int) -> dict:
    """Each (day, person) against the person's day before it (NEVER for their first)."""
    before: dict[int, date] = {}
    counted: Counter[tuple] = Counter()
    for day, uid in sorted(days):
        counted[(day, before.get(uid, NEVER), uid % shards)] += 1
        before[uid] = day
    return dict(counted)


async def _counted_again(
    session: AsyncSession, advocate_ids: set[int]
) -> tuple[dict, dict, dict, dict, dict]:
    """The same figures counted from the visits, the earned days and the ledger."""
    visits = [
        (v.day, v.user_id)
        for v in await session.scalars(select(ActiveDay).where(ActiveDay.user_id.in_(advocate_ids)))
    ]
    actives = Counter((day, uid % ACTIVE_SHARDS) for day, uid in visits)
    earned = [(e.day, e.user_id) for e in await session.scalars(select(EarnedDay))]
    earners = Counter((day, uid % DAILY_SHARDS) for day, uid in earned)
    issued: dict[tuple, int] = defaultdict(int)
    for entry in await session.scalars(select(LedgerEntry)):
        if entry.kind in ("award", "adjust") and entry.delta > 0:
            issued[(entry.created_at.date(), entry.user_id)] += entry.delta
    return (
        dict(actives),
        dict(earners),
        dict(issued),
        _returns(visits, ACTIVE_SHARDS),
        _returns(earned, DAILY_SHARDS),
    )


async def test_the_rollups_follow_visits_awards_spends_and_the_backfill(
    backend: str, tmp_path: Path
) -> None:
    url = await empty_database_url(backend, tmp_path, "rollups")
    engine = create_engine(url)
    try:
        run_migrations(url)
        sessionmaker = create_sessionmaker(engine)
        async with sessionmaker() as session:
            ann, bob = await make_advocate(session), await make_advocate(session)
            marketer = await make_marketer(session)
            moves = [(3, ann, 50), (3, ann, 20), (3, bob, 10), (1, bob, 5), (0, ann, 40)]
            for n, (days, person, amount) in enumerate(moves):
                with clock.shifted(-timedelta(days=days)):
                    await points.award(session, person, points=amount, reason="r", key=f"k{n}")
                    await sessions.record_visit(session, person, utcnow())
                    await sessions.record_visit(session, person, utcnow())  # a second tab
                    await sessions.record_visit(session, marketer, utcnow())  # staff: not counted
            await points.award(session, ann, points=40, reason="r", key="k4")  # a replay
            await points.spend(session, ann, points=60, reason="r", key="spend")
            await points.adjust(session, bob, points=7, reason="r", key="up", actor=marketer)
            await points.adjust(session, bob, points=-3, reason="r", key="down", actor=marketer)
            await session.commit()
            written = await _rollups(session)
            assert written == await _counted_again(session, {ann.id, bob.id})
            today, three_ago = utcnow().date(), utcnow().date() - timedelta(days=3)
            assert sum(n for (day, _), n in written[0].items() if day == three_ago) == 2
            assert sum(n for (day, _), n in written[1].items() if day == three_ago) == 2
            assert written[2][(three_ago, ann.id)] == 70
            assert (
                written[2][(today, ann.id)] == 40
            )  # the replay added nothing; a spend issues none
            assert written[2][(today, bob.id)] == 7  # a positive adjustment issues points
            # Ann's visit today comes after her visit three days ago; Bob's first ever visit.
            assert written[3][(today, three_ago, ann.id % ACTIVE_SHARDS)] == 1
            assert written[3][(three_ago, NEVER, bob.id % ACTIVE_SHARDS)] == 1
        run_migrations(url, "0028", down=True)
        run_migrations(url)
        async with sessionmaker() as session:
            assert await _rollups(session) == written
    finally:
        await engine.dispose()
        if backend == "postgresql":
            await drop_pg_database(f"portal_rollups_{os.getpid()}")


async def test_the_value_page_keeps_its_first_advocates_and_counts_them_all(
    session: AsyncSession, program: Program
) -> None:
    value = await value_report(
        session,
        period=period_of(Span.DAYS_7, utcnow().date()),
        group_id=None,
        points_per_money_unit=10,
        named=1,
    )
    assert [(a.name, a.value) for a in value.by_advocate] == [("Ann Referrer", 5_000)]
    assert value.advocates == 3  # Ann, Bob and Dan created value
