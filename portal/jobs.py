"""Background jobs: services `enqueue(...)` onto the session; the jobs leave only after the
commit. With Redis they go to arq; without it the same functions run in this process."""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portal.clock import utcnow

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


class ArqQueue:
    """Sends jobs to arq on Redis; a `portal worker` process runs them."""

    def __init__(self, redis: Any, *, queue_name: str | None = None) -> None:
        self.redis = redis
        self.queue_name = queue_name

    async def send(self, jobs: Sequence[PendingJob]) -> None:
        for job in jobs:
            await self.redis.enqueue_job(
                job.name, _job_id=job.job_id, _queue_name=self.queue_name, **job.kwargs
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


@dataclass
class Schedule:
    """The in-process stand-in for arq's cron: the same CronJob objects, run by one task."""

    cron_jobs: Sequence[Any]
    context: JobContext

    def due(self, now: datetime) -> list[Any]:
        due = []
        for job in self.cron_jobs:
            if job.next_run is None:
                job.calculate_next(now)
            if job.next_run <= now:
                due.append(job)
                job.calculate_next(now)
        return due

    async def run_forever(self) -> None:
        while True:
            for job in self.due(utcnow()):
                try:
                    await job.coroutine(self.context)
                except Exception:
                    log.exception("scheduled job %s failed", job.name)
            await asyncio.sleep(1)
