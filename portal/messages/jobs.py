"""Sending broadcasts: one job starts a broadcast, one job per batch delivers it (each its own
transaction), and a sweep each minute starts what is due and resumes a broadcast whose batch
job was lost."""

from arq import cron
from arq.worker import func

from portal.clock import utcnow
from portal.jobs import JobContext, unit_of_work
from portal.messages import sending


async def start_broadcast(ctx: JobContext, broadcast_id: int) -> bool:
    async with unit_of_work(ctx) as session:
        return await sending.start(session, broadcast_id, now=utcnow())


async def deliver_broadcast(ctx: JobContext, broadcast_id: int, after: int) -> int:
    async with unit_of_work(ctx) as session:
        return await sending.deliver_batch(session, broadcast_id, after=after)


async def send_due_broadcasts(ctx: JobContext) -> int:
    now = utcnow()
    async with unit_of_work(ctx) as session:
        due = await sending.due_broadcast_ids(session, now=now)
        started = sum([await sending.start(session, broadcast_id, now=now) for broadcast_id in due])
        await sending.resume_stalled(session, now=now)
    return started


FUNCTIONS = [
    func(start_broadcast, max_tries=5, timeout=300),
    func(deliver_broadcast, max_tries=5, timeout=300),
]
CRON_JOBS = [cron(send_due_broadcasts, second={30}, unique=True)]
