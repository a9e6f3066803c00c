"""The in-process schedule (no Redis) remembers each cron job's last run in `cron_runs`, so a
restart that crossed a cron time runs the missed job once, at start: the Monday digest is late,
never skipped."""

from datetime import UTC, datetime, timedelta
from typing import Any

from arq import cron
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from portal.jobs import CronRun, JobContext, Schedule
from tests.conftest import joined_sessionmaker

SUNDAY_EVENING = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)
MONDAY_MORNING = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)  # the digest was due at 08:00


class Recorder:
    def __init__(self, *, fail: bool = False) -> None:
        self.calls = 0
        self.fail = fail

    async def run(self, ctx: JobContext) -> None:
        self.calls += 1
        if self.fail:
            raise RuntimeError("the digest could not be built")


def digest_like(recorder: Recorder) -> Any:
    """A weekly job on Monday at 08:00 (as the digest was before it went hourly, to reach each
    zone's morning), with a recorder in place of the sweep."""
    return cron(recorder.run, name="cron:send_weekly_digest", weekday="mon", hour={8}, minute={0})


async def start(connection: AsyncConnection, recorder: Recorder, now: datetime) -> Schedule:
    """A fresh process: a new schedule planning from what `cron_runs` remembers."""
    schedule = Schedule([digest_like(recorder)], {"sessionmaker": joined_sessionmaker(connection)})
    await schedule.catch_up(now)
    await schedule.run_due(now)
    return schedule


async def test_a_restart_across_the_monday_digest_runs_it_once(
    connection: AsyncConnection, session: AsyncSession
) -> None:
    recorder = Recorder()
    await start(connection, recorder, SUNDAY_EVENING)
    assert recorder.calls == 0  # a new installation runs nothing at once

    # The process was down from Sunday evening until after Monday 08:00.
    restarted = await start(connection, recorder, MONDAY_MORNING)
    assert recorder.calls == 1
    await restarted.run_due(MONDAY_MORNING + timedelta(seconds=1))
    assert recorder.calls == 1
    last = await session.scalar(
        select(CronRun.last_run_at)
        .where(CronRun.name == "cron:send_weekly_digest")
        .execution_options(populate_existing=True)
    )
    assert last == MONDAY_MORNING

    await start(connection, recorder, MONDAY_MORNING + timedelta(hours=1))
    assert recorder.calls == 1  # it ran this week: a second restart does not repeat it
    next_monday = MONDAY_MORNING + timedelta(days=7)
    await restarted.run_due(next_monday)
    assert recorder.calls == 2  # and the running schedule keeps its weekly time


async def test_a_restart_before_the_cron_time_waits_for_it(connection: AsyncConnection) -> None:
    recorder = Recorder()
    await start(connection, recorder, SUNDAY_EVENING)
    schedule = await start(connection, recorder, SUNDAY_EVENING + timedelta(hours=11))
    assert recorder.calls == 0  # Monday 07:00: not due yet
    await schedule.run_due(SUNDAY_EVENING + timedelta(hours=12, seconds=1))
    assert recorder.calls == 1


async def test_a_failed_run_is_tried_again_at_the_next_start(connection: AsyncConnection) -> None:
    failing = Recorder(fail=True)
    await start(connection, failing, SUNDAY_EVENING)
    await start(connection, failing, MONDAY_MORNING)
    assert failing.calls == 1
    working = Recorder()
    await start(connection, working, MONDAY_MORNING + timedelta(minutes=5))
    assert working.calls == 1  # the failure was not recorded as a run
