"""Sending a broadcast in a test the way the jobs do: start it, then run each queued batch."""

from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import utcnow
from portal.jobs import take_pending
from portal.messages import sending


async def send_all(session: AsyncSession, broadcast_id: int) -> int:
    """Runs the batch jobs one after the other, as a worker would; returns how many ran."""
    take_pending(session)  # the start job create_broadcast queued: started here instead
    assert await sending.start(session, broadcast_id, now=utcnow())
    batches = 0
    while jobs := [job for job in take_pending(session) if job.name == "deliver_broadcast"]:
        for job in jobs:
            await sending.deliver_batch(session, **job.kwargs)  # type: ignore[arg-type]
            batches += 1
    return batches
