"""Sign-ups per UTC day for the overview's advocates, new advocates and activation.

Counting them from the users means a pass over every advocate (100 000 on seed-bench, joined to
their balances for activation) on every overview. A day's figures can only change once a
sign-up's activation window has closed through status and role changes (suspension, deletion,
a role taken away), which many paths make (invitations accepted, sign-ups approved, staff
edits, bulk invitations written in Core): so the rollup is recomputed from the users by an
hourly job, in one `GROUP BY`, rather than kept by each of those transactions. It holds only
*settled* days, whose sign-ups' windows have closed (ACTIVATION_DAYS + 1 days ago); the overview
adds the users who joined since then, read live by their exact times. What the rollup can miss
is a settled person's status or role changed within the last hour.

A period's settled days are read by the rollups' rule (`periods`: a viewer's day reads the UTC
day holding its noon); its recent days, like every figure counted from a timestamp, by the
viewer's midnights."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Interval,
    Select,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from portal.people.models import Role, User, UserRole, UserStatus
from portal.points.models import Balance
from portal.reports.models import SignupDay
from portal.reports.periods import Period

ACTIVATION_DAYS = 30
SETTLED_DAYS = ACTIVATION_DAYS + 1


async def refresh_signup_days(session: AsyncSession, *, today: date) -> int:
    """Rewrite the rollup from the users: one row per settled UTC day with sign-ups, and one for
    the last settled day even without any (it marks how far the rollup reaches). Returns the
    rows written."""
    settled_before = today - timedelta(days=SETTLED_DAYS)
    if session.get_bind().dialect.name == "sqlite":
        day: Any = func.date(User.created_at)
    else:
        day = cast(func.timezone("UTC", User.created_at), Date)
    joined = (
        select(
            day.label("day"),
            within_days(session, User.created_at, Balance.first_earned_at, ACTIVATION_DAYS).label(
                "activated"
            ),
        )
        .select_from(User)
        .outerjoin(Balance, Balance.user_id == User.id)
        .where(
            User.id.in_(select(UserRole.user_id).where(UserRole.role == Role.ADVOCATE)),
            User.status == UserStatus.ACTIVE,
            User.created_at < _midnight(settled_before),
        )
        .subquery()
    )
    rows = {
        _date(joined_on): (int(n), int(activated))
        for joined_on, n, activated in await session.execute(
            select(joined.c.day, func.count(), func.count().filter(joined.c.activated)).group_by(
                joined.c.day
            )
        )
    }
    rows.setdefault(settled_before - timedelta(days=1), (0, 0))
    await session.execute(delete(SignupDay))
    await session.execute(
        insert(SignupDay),
        [{"day": d, "advocates": n, "activated": a} for d, (n, a) in sorted(rows.items())],
    )
    return len(rows)


async def settled_until(session: AsyncSession) -> date | None:
    """The first day the rollup does not hold (None before the job's first run)."""
    last = await session.scalar(select(func.max(SignupDay.day)))
    return None if last is None else _date(last) + timedelta(days=1)


@dataclass(frozen=True)
class Split:
    """How a period's sign-ups are read: settled UTC days from the rollup, the rest live."""

    until: date  # the rollup holds the days before this one
    since: datetime  # users who joined from here on are read live

    @classmethod
    def at(cls, until: date) -> "Split":
        return cls(until, _midnight(until))

    def live_start(self, period: Period) -> datetime:
        return max(period.start, self.since)

    def settled(self, name: str, period: Period) -> dict[str, Select[Any]]:
        """The rollup's part of the period's `advocates` (joined before its end), `new` and
        `activated` (joined in it), as scalar queries keyed "settled <name> <figure>"."""
        last = min(self.until - timedelta(days=1), period.rollup_last)
        total = func.coalesce(func.sum(SignupDay.advocates), 0)
        activated = func.coalesce(func.sum(SignupDay.activated), 0)
        joined_in = (SignupDay.day >= period.rollup_first, SignupDay.day <= last)
        return {
            f"settled {name} advocates": select(total).where(SignupDay.day <= last),
            f"settled {name} new": select(total).where(*joined_in),
            f"settled {name} activated": select(activated).where(*joined_in),
        }


def within_days(
    session: AsyncSession,
    earlier: QueryableAttribute[datetime],
    later: QueryableAttribute[datetime | None],
    days: int,
) -> ColumnElement[bool]:
    """`later` comes less than `days` days after `earlier`: adding days to a time is not
    portable SQL (SQLite keeps times as text)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(later) < func.julianday(earlier) + days
    return later < earlier + literal(timedelta(days=days), Interval())


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _date(value: date | str) -> date:
    """SQLite returns dates computed in SQL as text."""
    return value if isinstance(value, date) else date.fromisoformat(value)
