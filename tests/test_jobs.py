"""The in-process stand-in for arq: the same functions, after the commit, and cron on schedule."""

from datetime import UTC, datetime, timedelta

from arq import cron
from sqlalchemy.ext.asyncio import AsyncSession

from portal import worker
from portal.jobs import InProcessQueue, PendingJob, Schedule, enqueue, take_pending


async def test_enqueued_jobs_wait_for_the_commit(session: AsyncSession) -> None:
    enqueue(session, "send_email", email_id=7, job_id="send_email:7")
    assert take_pending(session) == [PendingJob("send_email", {"email_id": 7}, "send_email:7")]
    assert take_pending(session) == []


async def test_in_process_queue_runs_the_named_function_and_survives_failures() -> None:
    calls: list[int] = []

    async def record(ctx: dict[str, object], n: int) -> None:
        calls.append(n)

    async def explode(ctx: dict[str, object]) -> None:
        raise RuntimeError("boom")

    queue = InProcessQueue({"record": record, "explode": explode}, context={})
    await queue.send(
        [PendingJob("explode", {}), PendingJob("record", {"n": 1}), PendingJob("nope", {})]
    )
    await queue.drain()
    assert calls == [1]


def test_every_cron_job_has_a_runnable_function() -> None:
    table = worker.function_table()
    assert {job.name for job in worker.CRON_JOBS} <= set(table)
    assert "send_email" in table


def test_schedule_runs_a_cron_job_when_due_and_then_waits_for_the_next_time() -> None:
    async def tick(ctx: dict[str, object]) -> None:
        return None

    hourly = cron(tick, minute={5}, second={0})
    schedule = Schedule([hourly], context={})
    start = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    assert schedule.due(start) == []
    assert schedule.due(start + timedelta(minutes=4)) == []
    assert schedule.due(start + timedelta(minutes=5, seconds=1)) == [hourly]
    assert schedule.due(start + timedelta(minutes=6)) == []
    assert schedule.due(start + timedelta(hours=1, minutes=5, seconds=1)) == [hourly]
