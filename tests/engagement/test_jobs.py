"""The engagement cron jobs on a real Redis: two runs of the same job (a retry, or two workers)
send each email once."""

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from portal import clock, zones
from portal.config import Settings
from portal.jobs import ArqQueue
from portal.outbox.models import OutboxEmail
from tests.conftest import joined_sessionmaker
from tests.factories import give_points, make_advocate
from tests.jobs import run_burst_worker


async def test_two_runs_of_the_quiet_sweep_send_one_nudge(
    session: AsyncSession,
    connection: AsyncConnection,
    settings: Settings,
    arq_redis: Any,
    queue_name: str,
) -> None:
    advocate = await make_advocate(session)
    advocate.time_zone = zones.zones_in_hour(clock.utcnow())[0]  # it is their morning
    with clock.shifted(-timedelta(days=31)):
        await give_points(session, advocate, 100)
    await session.commit()

    for _ in range(2):
        await arq_redis.enqueue_job("cron:nudge_quiet_advocates", _queue_name=queue_name)
    context = {
        "settings": settings,
        "sessionmaker": joined_sessionmaker(connection),
        "job_queue": ArqQueue(arq_redis, queue_name=queue_name),
    }
    burst = await run_burst_worker(arq_redis, context, queue_name=queue_name, cron=True)
    assert burst.jobs_failed == 0
    assert burst.jobs_complete >= 2  # both sweeps ran (and the sender job for what they queued)
    sent = await session.scalar(
        select(func.count()).where(
            OutboxEmail.kind == "quiet_nudge", OutboxEmail.user_id == advocate.id
        )
    )
    assert sent == 1
