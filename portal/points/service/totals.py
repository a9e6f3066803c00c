"""The totals kept beside the ledger, in the same transaction as the row they count: points
earned per person per week and month (the boards), and for the reports points moved per day by
kind and source, the days each person earned, how many people earned each day (and after which
previous award day), and the points issued to each person each day and each UTC month. Only
`ledger._post` calls `record_totals`."""

from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cache
from typing import Any

from sqlalchemy import Date, Integer, TextClause, bindparam, func, literal, select, text, true
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


# PostgreSQL writes every total of a ledger row in one round trip: each upsert is a
# data-modifying CTE of one statement (they touch different tables, so none waits on another).
# The earners of the day and their returns count only a first award of the day: they insert
# from the earned-day CTE, which returns a row only when the person's day is new.
_DAILY = """daily AS (
  INSERT INTO points_daily_totals (day, kind, source_type, shard, added, removed)
  VALUES (CAST(:day AS DATE), CAST(:kind AS VARCHAR), CAST(:source_type AS VARCHAR),
          CAST(:shard AS INTEGER), CAST(:added AS INTEGER), CAST(:removed AS INTEGER))
  ON CONFLICT (day, kind, source_type, shard) DO UPDATE
  SET added = points_daily_totals.added + excluded.added,
      removed = points_daily_totals.removed + excluded.removed)"""
_EARNED = """first_today AS (
  INSERT INTO points_earned_days (day, user_id)
  VALUES (CAST(:day AS DATE), CAST(:user_id AS INTEGER))
  ON CONFLICT DO NOTHING RETURNING day),
earners AS (
  INSERT INTO points_daily_earners (day, shard, earners)
  SELECT day, CAST(:shard AS INTEGER), 1 FROM first_today
  ON CONFLICT (day, shard) DO UPDATE SET earners = points_daily_earners.earners + 1),
returns AS (
  INSERT INTO points_earner_returns (day, since, shard, earners)
  SELECT day, (SELECT coalesce(max(earlier.day), CAST(:never AS DATE)) FROM points_earned_days
               AS earlier WHERE earlier.user_id = CAST(:user_id AS INTEGER)
               AND earlier.day < CAST(:day AS DATE)),
         CAST(:shard AS INTEGER), 1
  FROM first_today
  ON CONFLICT (day, since, shard) DO UPDATE SET earners = points_earner_returns.earners + 1)"""
_ISSUED = """issued AS (
  INSERT INTO points_issued_days (day, user_id, points)
  VALUES (CAST(:day AS DATE), CAST(:user_id AS INTEGER), CAST(:points AS INTEGER))
  ON CONFLICT (day, user_id) DO UPDATE SET points = points_issued_days.points + excluded.points),
issued_month AS (
  INSERT INTO points_issued_months (month, user_id, points)
  VALUES (CAST(:month AS DATE), CAST(:user_id AS INTEGER), CAST(:points AS INTEGER))
  ON CONFLICT (month, user_id) DO UPDATE
  SET points = points_issued_months.points + excluded.points)"""
_PERIODS = """periods AS (
  INSERT INTO points_period_totals (period, period_start, user_id, points)
  VALUES (CAST(:week AS VARCHAR), CAST(:week_start AS DATE), CAST(:user_id AS INTEGER),
          CAST(:lifetime AS INTEGER)),
         (CAST(:month_period AS VARCHAR), CAST(:month_start AS DATE), CAST(:user_id AS INTEGER),
          CAST(:lifetime AS INTEGER))
  ON CONFLICT (period, period_start, user_id) DO UPDATE
  SET points = points_period_totals.points + excluded.points)"""


@cache
def _all_totals(award: bool, issuing: bool, lifetime: bool) -> TextClause:
    parts = [_DAILY] + [_EARNED] * award + [_ISSUED] * issuing + [_PERIODS] * lifetime
    return text("WITH " + ",\n".join(parts) + "\nSELECT 1")


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
    if dialect == "postgresql":
        award, issuing = kind == EntryKind.AWARD, kind in ISSUING and delta > 0
        values = {
            "day": day,
            "kind": kind.value,
            "source_type": source_type or "",
            "shard": user_id % DAILY_SHARDS,
            "added": max(delta, 0),
            "removed": min(delta, 0),
            "user_id": user_id,
            "never": NEVER,
            "points": delta,
            "month": day.replace(day=1),
            "lifetime": lifetime_delta,
            "week": Period.WEEK.value,
            "week_start": period_start(Period.WEEK, moment, zone),
            "month_period": Period.MONTH.value,
            "month_start": period_start(Period.MONTH, moment, zone),
        }
        await connection.execute(_all_totals(award, issuing, bool(lifetime_delta)), values)
        return
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
