"""Running queued jobs in a test: an arq burst worker with the portal's job functions, on the
test's context (its sessionmaker shares the test's connection)."""

from typing import Any

from arq.worker import Worker

from portal import worker
from portal.jobs import JobContext


async def run_burst_worker(
    pool: Any, context: JobContext, *, queue_name: str | None = None
) -> Worker:
    async def on_startup(ctx: JobContext) -> None:
        ctx.update(context)

    burst = Worker(
        functions=worker.FUNCTIONS,
        cron_jobs=worker.CRON_JOBS,  # so a test can queue a cron job by its "cron:" name
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
