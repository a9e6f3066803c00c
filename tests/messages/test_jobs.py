"""Broadcast jobs on a real Redis: the start and batch jobs run twice (a retry, or a second
worker) and still reach each person once, one batch per transaction."""

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from portal.clock import utcnow
from portal.config import Settings
from portal.jobs import ArqQueue, PendingJob, take_pending
from portal.messages import sending, service
from portal.messages.models import Audience, Broadcast, BroadcastStatus, Delivery
from portal.notifications.models import Notification
from portal.outbox.models import OutboxEmail
from tests.conftest import joined_sessionmaker
from tests.factories import make_advocate, make_marketer
from tests.jobs import run_burst_worker


async def test_duplicate_start_and_batch_jobs_reach_each_person_once(
    session: AsyncSession,
    connection: AsyncConnection,
    settings: Settings,
    arq_redis: Any,
    queue_name: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sending, "BATCH", 2)
    marketer = await make_marketer(session)
    advocates = [await make_advocate(session) for _ in range(5)]
    broadcast = await service.create_broadcast(
        session,
        author=marketer,
        subject="Launch day",
        body="<p>We launched.</p>",
        audience=Audience.EVERYONE,
        send_at=None,
        now=utcnow(),
    )
    await session.commit()
    queue = ArqQueue(arq_redis, queue_name=queue_name)
    [start] = take_pending(session)
    await queue.send([start, PendingJob(start.name, start.kwargs, "start_broadcast:again")])
    duplicate = PendingJob("deliver_broadcast", {"broadcast_id": broadcast.id, "after": 0}, "dup")
    await queue.send([duplicate])

    context = {
        "settings": settings,
        "sessionmaker": joined_sessionmaker(connection),
        "job_queue": queue,
    }
    burst = await run_burst_worker(arq_redis, context, queue_name=queue_name)

    assert burst.jobs_failed == 0
    per_person = await session.execute(
        select(Delivery.user_id, func.count()).group_by(Delivery.user_id)
    )
    assert dict(per_person.all()) == {a.id: 1 for a in advocates}
    bells = await session.scalar(select(func.count()).where(Notification.kind == "broadcast"))
    emails = await session.scalar(select(func.count()).where(OutboxEmail.kind == "broadcast"))
    assert (bells, emails) == (5, 5)
    await session.refresh(broadcast)
    assert broadcast.status == BroadcastStatus.SENT
    assert await session.scalar(select(Broadcast.recipients)) == 5
