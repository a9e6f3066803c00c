"""arq's WorkerSettings: every domain's job functions and cron jobs, and the job context."""

from typing import Any

from arq.connections import RedisSettings
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, TimeoutError

from portal import routing, subscriptions
from portal.auth import jobs as auth_jobs
from portal.config import Settings
from portal.db import create_engine, create_sessionmaker
from portal.directory import jobs as directory_jobs
from portal.engagement import jobs as engagement_jobs
from portal.files import jobs as files_jobs
from portal.guard import jobs as guard_jobs
from portal.jobs import ArqQueue, JobContext
from portal.messages import jobs as messages_jobs
from portal.operations.metrics import timed_jobs
from portal.outbox import jobs as outbox_jobs
from portal.people import jobs as people_jobs
from portal.points import jobs as points_jobs
from portal.referrals import jobs as referrals_jobs
from portal.reports import jobs as reports_jobs
from portal.segments import jobs as segments_jobs
from portal.trust_scoring import jobs as trust_jobs
from portal.webhooks import jobs as webhooks_jobs

# Every job run is counted and timed (portal.operations.metrics), by arq and in-process alike.
FUNCTIONS: list[Any] = timed_jobs(
    [
        *outbox_jobs.FUNCTIONS,
        *auth_jobs.FUNCTIONS,
        *points_jobs.FUNCTIONS,
        *referrals_jobs.FUNCTIONS,
        *engagement_jobs.FUNCTIONS,
        *files_jobs.FUNCTIONS,
        *people_jobs.FUNCTIONS,
        *webhooks_jobs.FUNCTIONS,
        *segments_jobs.FUNCTIONS,
        *messages_jobs.FUNCTIONS,
        *directory_jobs.FUNCTIONS,
    ]
)
CRON_JOBS: list[Any] = timed_jobs(
    [
        *outbox_jobs.CRON_JOBS,
        *auth_jobs.CRON_JOBS,
        *points_jobs.CRON_JOBS,
        *referrals_jobs.CRON_JOBS,
        *engagement_jobs.CRON_JOBS,
        *files_jobs.CRON_JOBS,
        *webhooks_jobs.CRON_JOBS,
        *guard_jobs.CRON_JOBS,
        *segments_jobs.CRON_JOBS,
        *reports_jobs.CRON_JOBS,
        *messages_jobs.CRON_JOBS,
        *trust_jobs.CRON_JOBS,
        *directory_jobs.CRON_JOBS,
    ]
)


def function_table() -> dict[str, Any]:
    """Job name → coroutine, for running the same jobs in-process."""
    table = {function.name: function.coroutine for function in FUNCTIONS}
    table.update({job.name: job.coroutine for job in CRON_JOBS})
    return table


async def startup(ctx: JobContext) -> None:
    subscriptions.install()
    settings = ctx.get("settings") or Settings()
    routing.install_links(settings)
    engine = create_engine(settings.database_url)
    ctx.update(
        settings=settings,
        engine=engine,
        sessionmaker=create_sessionmaker(engine),
        job_queue=ArqQueue(ctx["redis"]),
    )


async def shutdown(ctx: JobContext) -> None:
    await ctx["job_queue"].close()
    await ctx["engine"].dispose()


def patient_redis(url: str) -> RedisSettings:
    """The worker's Redis connection: while Redis is away every command retries with backoff
    (up to 5 s apart) instead of failing, so the worker waits for it rather than exiting."""
    settings = RedisSettings.from_dsn(url)
    settings.retry = Retry(ExponentialBackoff(cap=5, base=0.1), retries=-1)
    settings.retry_on_error = [ConnectionError, TimeoutError, OSError]
    return settings


def worker_settings(settings: Settings, **overrides: Any) -> dict[str, Any]:
    """Keyword arguments for arq's Worker (the CLI and the tests build workers from this)."""

    async def on_startup(ctx: JobContext) -> None:
        ctx["settings"] = settings
        await startup(ctx)

    options: dict[str, Any] = {
        "functions": FUNCTIONS,
        "cron_jobs": CRON_JOBS,
        "on_startup": on_startup,
        "on_shutdown": shutdown,
        "redis_settings": patient_redis(settings.redis_url or "redis://127.0.0.1:6379"),
        "max_jobs": 10,
        "handle_signals": True,
    }
    options.update(overrides)
    return options
