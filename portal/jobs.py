"""Background jobs: services `enqueue(...)` onto the session; the jobs leave only after the
commit. With Redis they go to arq; without it the same functions run in this process."""

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from arq.cron import next_cron
from redis.exceptions import RedisError
from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base

log = logging.getLogger(__name__)

JobArg = str | int | float | bool | None
JobContext = dict[str, Any]
JobFunction = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class PendingJob:
    name: str
    kwargs: dict[str, JobArg]
    job_id: str | None = None


def enqueue(
    session: AsyncSession, job: str, *, job_id: str | None = None, **kwargs: JobArg
) -> None:
    """Queue a job to run after this session commits (dropped if it rolls back)."""
    session.info.setdefault("jobs", []).append(PendingJob(job, kwargs, job_id))


def take_pending(session: AsyncSession) -> list[PendingJob]:
    jobs: list[PendingJob] = session.info.pop("jobs", [])
    return jobs


class JobQueue(Protocol):
    async def send(self, jobs: Sequence[PendingJob]) -> None: ...


REDIS_DOWN = (RedisError, OSError, TimeoutError)
# Waits between attempts to reach Redis again; the last one repeats until it answers.
RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 5.0)


class ArqQueue:
    """Sends jobs to arq on Redis; a `portal worker` process runs them.

    When Redis does not answer, the request that committed is not failed: its jobs wait here,
    in order, and one background task sends them with backoff once Redis is back (jobs sent
    later queue behind them). Should this process stop first, the database still holds every
    intent, and the sweeps send it (the outbox each minute, orphaned files nightly)."""

    def __init__(self, redis: Any, *, queue_name: str | None = None) -> None:
        self.redis = redis
        self.queue_name = queue_name
        self.waiting: deque[PendingJob] = deque()
        self._retrying: asyncio.Task[None] | None = None

    async def send(self, jobs: Sequence[PendingJob]) -> None:
        if self.waiting:  # Redis is down: keep the order, the retry task sends these
            self.waiting.extend(jobs)
            return
        for index, job in enumerate(jobs):
            try:
                await self._enqueue(job)
            except REDIS_DOWN as error:
                log.warning("Redis unavailable (%s): %d job(s) wait", error, len(jobs) - index)
                self.waiting.extend(jobs[index:])
                if self._retrying is None or self._retrying.done():
                    self._retrying = asyncio.create_task(self._send_waiting())
                return

    async def _enqueue(self, job: PendingJob) -> None:
        await self.redis.enqueue_job(
            job.name, _job_id=job.job_id, _queue_name=self.queue_name, **job.kwargs
        )

    async def _send_waiting(self) -> None:
        attempt = 0
        while self.waiting:
            await asyncio.sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)])
            try:
                while self.waiting:
                    await self._enqueue(self.waiting[0])
                    self.waiting.popleft()
            except REDIS_DOWN:
                attempt += 1
        log.info("Redis is back: waiting jobs sent")

    async def close(self) -> None:
        """Stops retrying; jobs still waiting are left to the database sweeps."""
        if self._retrying is not None:
            self._retrying.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retrying
        if self.waiting:
            log.error(
                "Redis unavailable at shutdown: %d job(s) left to the sweeps", len(self.waiting)
            )


@dataclass
class InProcessQueue:
    """Runs the job functions in this process, for a laptop run without Redis.

    `inline=True` awaits each job before returning (tests, and the CLI), otherwise jobs run as
    background tasks that `drain()` waits for."""

    functions: dict[str, JobFunction]
    context: JobContext
    inline: bool = False
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def send(self, jobs: Sequence[PendingJob]) -> None:
        for job in jobs:
            if self.inline:
                await self._run(job)
            else:
                task = asyncio.create_task(self._run(job))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _run(self, job: PendingJob) -> None:
        function = self.functions.get(job.name)
        if function is None:
            log.error("unknown job %s", job.name)
            return
        try:
            await function(self.context, **job.kwargs)
        except Exception:
            # Jobs keep their state in the database, so a cron sweep retries what failed here.
            log.exception("job %s failed", job.name)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


@asynccontextmanager
async def unit_of_work(ctx: JobContext) -> AsyncIterator[AsyncSession]:
    """A job's transaction: commits on success, then sends the jobs it queued."""
    sessionmaker: async_sessionmaker[AsyncSession] = ctx["sessionmaker"]
    async with sessionmaker() as session:
        yield session
        await session.commit()
        jobs = take_pending(session)
    if jobs:
        await ctx["job_queue"].send(jobs)


class CronRun(Base):
    """When each in-process cron job last ran, so a restart catches up on a missed time."""

    __tablename__ = "cron_runs"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_run_at: Mapped[datetime]


def next_time(job: Any, after: datetime) -> datetime:
    """The cron job's first time after `after` (arq's own calendar arithmetic)."""
    return next_cron(
        after,
        month=job.month,
        day=job.day,
        weekday=job.weekday,
        hour=job.hour,
        minute=job.minute,
        second=job.second,
        microsecond=job.microsecond,
    )


@dataclass
class Schedule:
    """The in-process stand-in for arq's cron: the same CronJob objects, run by one task.

    Each run is recorded in `cron_runs`; at start a job whose time came while the process was
    down runs once at once (the Monday digest is late, never skipped). A job that fails is not
    recorded, so the next start tries it again; jobs are idempotent, so a rerun is safe."""

    cron_jobs: Sequence[Any]
    context: JobContext
    next_runs: dict[str, datetime] = field(default_factory=dict)

    def due(self, now: datetime) -> list[Any]:
        due = []
        for job in self.cron_jobs:
            if job.name not in self.next_runs:
                self.next_runs[job.name] = next_time(job, now)
            if self.next_runs[job.name] <= now:
                due.append(job)
                self.next_runs[job.name] = next_time(job, now)
        return due

    async def catch_up(self, now: datetime) -> None:
        """Plans each job from its last recorded run: missed ones become due now. A job never
        run before starts counting from now (a new installation runs nothing at once)."""
        sessionmaker: async_sessionmaker[AsyncSession] = self.context["sessionmaker"]
        async with sessionmaker() as session:
            rows = await session.execute(select(CronRun.name, CronRun.last_run_at))
            last_runs: dict[str, datetime] = dict(rows.all())
            for job in self.cron_jobs:
                last = last_runs.get(job.name)
                if last is None:
                    session.add(CronRun(name=job.name, last_run_at=now))
                self.next_runs[job.name] = next_time(job, last or now)
            await session.commit()

    async def run_due(self, now: datetime) -> None:
        for job in self.due(now):
            try:
                await job.coroutine(self.context)
                await self._record(job.name, now)
            except Exception:  # not recorded: the next start runs it again
                log.exception("scheduled job %s failed", job.name)

    async def _record(self, name: str, ran_at: datetime) -> None:
        sessionmaker: async_sessionmaker[AsyncSession] = self.context["sessionmaker"]
        async with sessionmaker() as session:
            run = await session.get(CronRun, name)
            if run is None:
                session.add(CronRun(name=name, last_run_at=ran_at))
            else:
                run.last_run_at = ran_at
            await session.commit()

    async def run_forever(self) -> None:
        try:
            await self.catch_up(utcnow())
        except Exception:  # the database is away: plan from now, as arq's cron does
            log.exception("could not read the last cron runs")
        while True:
            await self.run_due(utcnow())
            await asyncio.sleep(1)
