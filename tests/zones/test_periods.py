"""Weekly and monthly boards follow the program's time zone: a week starts on Monday at 00:00
program time. Berlin's clocks go back in the night to Sunday 25 October 2026, so the week of
26 October starts at 23:00 UTC on the 25th."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.people.models import User
from portal.points import service as points
from portal.points.models import Period, PeriodTotal
from portal.program import service as program
from tests.factories import make_advocate

SUNDAY_NIGHT_IN_BERLIN = datetime(2026, 10, 25, 22, 30, tzinfo=UTC)  # 23:30 CET, Sunday
MONDAY_IN_BERLIN = datetime(2026, 10, 25, 23, 30, tzinfo=UTC)  # 00:30 CET, Monday
MONDAY_NOON = datetime(2026, 10, 26, 11, 0, tzinfo=UTC)


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    with clock.shifted(moment - clock.utcnow()):
        yield


async def _earn(session: AsyncSession, user: User, amount: int, moment: datetime) -> None:
    with at(moment):
        await points.award(session, user, points=amount, reason="r", key=f"{user.id}:{moment}")


async def _weeks(session: AsyncSession, user: User) -> dict[date, int]:
    rows = await session.execute(
        select(PeriodTotal.period_start, PeriodTotal.points)
        .where(PeriodTotal.user_id == user.id, PeriodTotal.period == Period.WEEK)
        .execution_options(populate_existing=True)
    )
    return dict(rows.all())


async def test_a_berlin_program_starts_its_week_at_berlin_midnight(session: AsyncSession) -> None:
    await program.update(session, actor=None, time_zone="Europe/Berlin")
    late, early = await make_advocate(session, name="Late Owl"), await make_advocate(session)
    await _earn(session, late, 300, SUNDAY_NIGHT_IN_BERLIN)  # last week, in Berlin
    await _earn(session, early, 100, MONDAY_IN_BERLIN)  # this week, though Sunday in UTC
    assert await _weeks(session, late) == {date(2026, 10, 19): 300}
    assert await _weeks(session, early) == {date(2026, 10, 26): 100}

    with at(MONDAY_NOON):
        board = await points.leaderboard(session, period=Period.WEEK)
    assert [(row.user_id, row.points) for row in board.rows] == [(early.id, 100)]


async def test_changing_the_programs_zone_rekeys_the_recent_weeks(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    await _earn(session, advocate, 100, MONDAY_IN_BERLIN)  # Sunday 23:30 in UTC
    assert await _weeks(session, advocate) == {date(2026, 10, 19): 100}  # a UTC program
    with at(MONDAY_NOON):
        await program.update(session, actor=None, time_zone="Europe/Berlin")
    assert await _weeks(session, advocate) == {date(2026, 10, 26): 100}
    with at(MONDAY_NOON):
        await program.update(session, actor=None, time_zone="America/Los_Angeles")
    assert await _weeks(session, advocate) == {date(2026, 10, 19): 100}  # 16:30 PDT, Sunday
