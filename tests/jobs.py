"""Running queued jobs in a test: an arq burst worker with the portal's job functions, on the
test's context (its sessionmaker shares the test's connection)."""

from typing import Any

from arq.worker import Worker

from portal import worker
from portal.jobs import JobContext


async def run_burst_worker(
    pool: Any, context: JobContext, *, queue_name: str | None = None, cron: bool = False
) -> Worker:
    """`cron`: also know the cron jobs, so a test can queue one by its "cron:" name (off by
    default: a cron whose minute comes round would run and change the job counts)."""

    async def on_startup(ctx: JobContext) -> None:
        ctx.update(context)

    burst = Worker(
        functions=worker.FUNCTIONS,
        cron_jobs=worker.CRON_JOBS if cron else None,
        redis_pool=pool,
        queue_name=queue_name,
        burst=True,
        poll_delay=0,
        max_jobs=1,  # the jobs share the test's one database connection
        handle_signals=False,
        on_startup=on_startup,
    )
    await burst.main()
    return burst
