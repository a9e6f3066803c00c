"""Cohorts: advocates grouped by the month they joined, and the share of each group that earned
points in the month they joined and in each month after (a triangle: a cohort has as many
months as have begun since it joined).

The months shown are the twelve up to the end of the chosen period, or more when the period
is longer, so a short period still shows a year of retention.

Earning in a month is read from the month totals the ledger transaction keeps for the boards
(`points_period_totals`, one row per person and month with the lifetime points they earned),
not from the ledger or the earned days: one row per person and month instead of one per day."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, DateTime, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.people.models import User, UserStatus
from portal.points.models import Period as TotalPeriod
from portal.points.models import PeriodTotal
from portal.reports.overview import advocates
from portal.reports.periods import Period

MONTHS = 12


@dataclass(frozen=True)
class Cohort:
    month: date  # the first day of the month they joined
    size: int
    engaged: list[int]  # advocates who earned, in the joining month (0) and each one after

    @property
    def shares(self) -> list[float]:
        return [n / self.size if self.size else 0.0 for n in self.engaged]


@dataclass(frozen=True)
class Cohorts:
    months: list[date]
    cohorts: list[Cohort]  # the oldest first

    @property
    def offsets(self) -> int:
        return len(self.months)


def _month_number(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_of(number: int) -> date:
    return date(number // 12, number % 12 + 1, 1)


def months_for(period: Period) -> list[date]:
    last = _month_number(period.last)
    first = min(_month_number(period.first), last - MONTHS + 1)
    return [_month_of(n) for n in range(first, last + 1)]


def _month(session: AsyncSession, column: ColumnElement[Any]) -> ColumnElement[str]:
    """A date's or a UTC time's month as "YYYY-MM" (SQLite keeps both as text)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m", column)
    if isinstance(column.type, DateTime):
        column = func.timezone("UTC", column)
    return func.to_char(column, "YYYY-MM")


def _parse(month: str) -> int:
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


async def cohorts(session: AsyncSession, *, period: Period, group_id: int | None) -> Cohorts:
    months = months_for(period)
    start = Period(months[0], months[0]).start
    joined_month = _month(session, User.created_at.expression)
    people = (
        User.id.in_(advocates(group_id)),
        User.status == UserStatus.ACTIVE,
        User.created_at >= start,
        User.created_at < period.end,
    )
    sizes = {
        _parse(month): int(n)
        for month, n in await session.execute(
            select(joined_month, func.count()).where(*people).group_by(joined_month)
        )
    }
    engaged: dict[int, dict[int, int]] = defaultdict(dict)
    rows = await session.execute(
        select(joined_month, PeriodTotal.period_start, func.count())
        .join(User, User.id == PeriodTotal.user_id)
        .where(
            *people,
            PeriodTotal.period == TotalPeriod.MONTH,
            PeriodTotal.period_start >= months[0],
            PeriodTotal.period_start <= period.last,
            PeriodTotal.points > 0,
        )
        .group_by(joined_month, PeriodTotal.period_start)
    )
    for joined, earned, n in rows:
        engaged[_parse(joined)][_month_number(earned) - _parse(joined)] = int(n)
    last = _month_number(months[-1])
    return Cohorts(
        months,
        [
            Cohort(
                month,
                sizes.get(_month_number(month), 0),
                [
                    engaged[_month_number(month)].get(offset, 0)
                    for offset in range(last - _month_number(month) + 1)
                ],
            )
            for month in months
        ],
    )
