"""Cohorts: advocates grouped by the month they joined, and the share of each group that earned
points in the month they joined and in each month after (a triangle: a cohort has as many
months as have begun since it joined).

The months shown are the twelve up to the end of the chosen period, or more when the period
is longer, so a short period still shows a year of retention.

Months are the viewer's (the period's zone). The month someone joined is bounded by the
viewer's midnights exactly, like every figure counted from a timestamp; earning in a month is
read from the per-person rollups the ledger transaction keeps, by the rule of `periods` (a
viewer's day reads the UTC day holding its noon): for viewers from UTC-11 to UTC+12 their months
are whole UTC months, one `points_issued_months` row per person and month; further east (or at
UTC-12) the month's days are read, shifted, from `points_issued_days`. "Earned" is "was issued
points" (an award or a positive adjustment), as the engagement report counts issued points."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Subquery, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.people.models import User, UserStatus
from portal.points.models import IssuedDay, IssuedMonth
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


async def cohorts(session: AsyncSession, *, period: Period, group_id: int | None) -> Cohorts:
    months = months_for(period)
    # Where each viewer month starts, and the end of the last: joined-month bounds.
    starts = [Period(month, month, period.zone).start for month in months[1:]] + [period.end]
    joined_in = case(*((User.created_at < end, n) for n, end in enumerate(starts)))
    people = (
        select(User.id.label("user_id"), joined_in.label("joined"))
        .where(
            User.id.in_(advocates(group_id)),
            User.status == UserStatus.ACTIVE,
            User.created_at >= Period(months[0], months[0], period.zone).start,
            User.created_at < period.end,
        )
        .subquery()
    )
    sizes = {
        int(n): int(count)
        for n, count in await session.execute(
            select(people.c.joined, func.count()).group_by(people.c.joined)
        )
    }
    earned = _earned(period, months, people)
    engaged: dict[int, dict[int, int]] = defaultdict(dict)
    rows = await session.execute(
        select(earned.c.joined, earned.c.earned, func.count()).group_by(
            earned.c.joined, earned.c.earned
        )
    )
    for joined, month, count in rows:
        if month >= joined:  # earned before joining only by the noon rule's hours
            engaged[int(joined)][int(month) - int(joined)] = int(count)
    return Cohorts(
        months,
        [
            Cohort(
                month,
                sizes.get(n, 0),
                [engaged[n].get(offset, 0) for offset in range(len(months) - n)],
            )
            for n, month in enumerate(months)
        ],
    )


def _earned(period: Period, months: list[date], people: Subquery) -> Subquery:
    """(joined, earned): each of `people` once per viewer month (its number in `months`) in
    which they were issued points, with the number of the month they joined."""
    shift = period.rollup_shift
    day: Any
    if shift:  # the viewer's months are not whole UTC months: their days, shifted
        day, user_id, points = IssuedDay.day, IssuedDay.user_id, IssuedDay.points
    else:
        day, user_id, points = IssuedMonth.month, IssuedMonth.user_id, IssuedMonth.points
    ends = [month + shift for month in months[1:]] + [period.last + shift + timedelta(days=1)]
    each = (
        select(
            people.c.user_id,
            people.c.joined,
            case(*((day < end, n) for n, end in enumerate(ends))).label("earned"),
        )
        .join(people, people.c.user_id == user_id)
        .where(day >= months[0] + shift, day < ends[-1], points > 0)
    )
    # A month row is one person's already; days are many.
    return (each.distinct() if shift else each).subquery()
