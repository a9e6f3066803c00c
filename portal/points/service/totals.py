"""The totals kept beside the ledger, in the same transaction as the row they count: points
earned per person per week and month (the boards), and for the reports points moved per day by
kind and source, the days each person earned, how many people earned each day (and after which
previous award day), and the points issued to each person each day and each UTC month. Only
`ledger._post` calls `record_totals`."""

from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cache
from typing import Any

from sqlalchemy import Date, Integer, bindparam, func, literal, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from portal.people.models import NEVER
from portal.points.models import (
    DAILY_SHARDS,
    DailyEarners,
    DailyTotal,
    EarnedDay,
    EarnerReturns,
    EntryKind,
    IssuedDay,
    IssuedMonth,
    Period,
    PeriodTotal,
)

# What the reports count as points issued: awards, and adjustments that add points.
ISSUING = (EntryKind.AWARD, EntryKind.ADJUST)


def period_start(period: Period, moment: datetime, zone: tzinfo = UTC) -> date:
    """The first day of the week (Monday) or month that `moment` falls in, in the program's
    zone: a week starts at Monday 00:00 program time, wherever the person who earned is."""
    day = moment.astimezone(zone).date()
    if period == Period.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _insert_for(dialect: str) -> Any:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


@cache
def _period_upsert(dialect: str) -> Any:
    statement = _insert_for(dialect)(PeriodTotal)
    return statement.on_conflict_do_update(
        index_elements=["period", "period_start", "user_id"],
        set_={"points": PeriodTotal.points + statement.excluded.points},
    )


@cache
def _daily_upsert(dialect: str) -> Any:
    statement = _insert_for(dialect)(DailyTotal)
    return statement.on_conflict_do_update(
        index_elements=["day", "kind", "source_type", "shard"],
        set_={
            "added": DailyTotal.added + statement.excluded.added,
            "removed": DailyTotal.removed + statement.excluded.removed,
        },
    )


@cache
def _earned_day(dialect: str) -> Any:
    return _insert_for(dialect)(EarnedDay).on_conflict_do_nothing()


@cache
def _earners_upsert(dialect: str) -> Any:
    statement = _insert_for(dialect)(DailyEarners)
    return statement.on_conflict_do_update(
        index_elements=["day", "shard"], set_={"earners": DailyEarners.earners + 1}
    )


@cache
def _returns_upsert(dialect: str) -> Any:
    """The person's first award day counted against their previous one (bound: day, user_id,
    shard)."""
    since = (
        select(func.coalesce(func.max(EarnedDay.day), NEVER))
        .where(
            EarnedDay.user_id == bindparam("user_id", type_=Integer),
            EarnedDay.day < bindparam("day", type_=Date),
        )
        .scalar_subquery()
    )
    statement = _insert_for(dialect)(EarnerReturns).from_select(
        ["day", "since", "shard", "earners"],
        # SQLite reads `ON CONFLICT` after a SELECT only when the SELECT has a WHERE.
        select(
            bindparam("day", type_=Date), since, bindparam("shard", type_=Integer), literal(1)
        ).where(true()),
    )
    return statement.on_conflict_do_update(
        index_elements=["day", "since", "shard"], set_={"earners": EarnerReturns.earners + 1}
    )


@cache
def _issued_upsert(dialect: str) -> Any:
    statement = _insert_for(dialect)(IssuedDay)
    return statement.on_conflict_do_update(
        index_elements=["day", "user_id"],
        set_={"points": IssuedDay.points + statement.excluded.points},
    )


@cache
def _issued_month_upsert(dialect: str) -> Any:
    statement = _insert_for(dialect)(IssuedMonth)
    return statement.on_conflict_do_update(
        index_elements=["month", "user_id"],
        set_={"points": IssuedMonth.points + statement.excluded.points},
    )


async def record_totals(
    connection: AsyncConnection,
    *,
    user_id: int,
    kind: EntryKind,
    delta: int,
    lifetime_delta: int,
    source_type: str | None,
    moment: datetime,
    zone: tzinfo,
) -> None:
    """Add one new ledger row to the totals (a replayed key never gets here); `zone` is the
    program's, where its weeks and months begin (the daily totals stay UTC days)."""
    dialect = connection.dialect.name
    day = moment.date()
    await connection.execute(
        _daily_upsert(dialect),
        [
            {
                "day": day,
                "kind": kind,
                "source_type": source_type or "",
                "shard": user_id % DAILY_SHARDS,
                "added": max(delta, 0),
                "removed": min(delta, 0),
            }
        ],
    )
    if kind == EntryKind.AWARD:
        first = await connection.execute(_earned_day(dialect), {"day": day, "user_id": user_id})
        if first.rowcount == 1:  # the person's first award of the day
            await connection.execute(
                _earners_upsert(dialect),
                {"day": day, "shard": user_id % DAILY_SHARDS, "earners": 1},
            )
            await connection.execute(
                _returns_upsert(dialect),
                {"day": day, "user_id": user_id, "shard": user_id % DAILY_SHARDS},
            )
    if kind in ISSUING and delta > 0:
        await connection.execute(
            _issued_upsert(dialect), {"day": day, "user_id": user_id, "points": delta}
        )
        await connection.execute(
            _issued_month_upsert(dialect),
            {"month": day.replace(day=1), "user_id": user_id, "points": delta},
        )
    if lifetime_delta:
        await connection.execute(
            _period_upsert(dialect),
            [
                {
                    "period": period,
                    "period_start": period_start(period, moment, zone),
                    "user_id": user_id,
                    "points": lifetime_delta,
                }
                for period in (Period.WEEK, Period.MONTH)
            ],
        )
