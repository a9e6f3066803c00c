"""A broadcast to every advocate of a `portal seed-bench` database (100 000 advocates), sent
the way the workers send it: the start job, then one job per batch, each its own session and
transaction, each queuing the next.

    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/portal_bench
    .venv/bin/python bench/messages.py            # --workers 2: two job runners share the queue

Prints the time to start (count the audience), each batch's time (p50 / p99 / max) and the
total, with bell notifications and emails written per second. The emails' own send jobs are
counted and skipped (without SMTP they only stay in the outbox). Afterwards the broadcast, its
deliveries, notifications and emails are deleted, so it can be rerun.
"""

import argparse
import asyncio
import statistics
import time
from typing import Any

from sqlalchemy import delete, func, select

from portal import routing, worker
from portal.clock import utcnow
from portal.config import Settings
from portal.db import create_engine, create_sessionmaker
from portal.jobs import PendingJob
from portal.messages import service
from portal.messages.models import Audience, Broadcast, Delivery
from portal.notifications.models import Notification
from portal.outbox.models import OutboxEmail
from portal.people.models import Role, User, UserRole

BODY = (
    "<p>Hi {first_name},</p><p>Our spring release is out: <a href='https://acme.example/spring'>"
    "see what is new</a>, and earn double points on reviews this week.</p>"
)


class ListQueue:
    """Collects the jobs a unit of work sends after its commit."""

    def __init__(self) -> None:
        self.jobs: asyncio.Queue[PendingJob] = asyncio.Queue()

    async def send(self, jobs: list[PendingJob]) -> None:
        for job in jobs:
            self.jobs.put_nowait(job)


async def _run_worker(
    ctx: dict[str, Any], queue: ListQueue, timings: dict[str, list[float]]
) -> None:
    functions = worker.function_table()
    while True:
        try:
            job = await asyncio.wait_for(queue.jobs.get(), timeout=2)
        except TimeoutError:
            return
        if job.name == "send_email":
            timings.setdefault("send_email", []).append(0.0)
            continue
        started = time.perf_counter()
        await functions[job.name](ctx, **job.kwargs)
        timings.setdefault(job.name, []).append(time.perf_counter() - started)


async def main(workers: int) -> None:
    settings = Settings()
    routing.install_links(settings)
    engine = create_engine(settings.database_url, pool_size=workers + 2)
    sessionmaker = create_sessionmaker(engine)
    queue = ListQueue()
    ctx: dict[str, Any] = {"settings": settings, "sessionmaker": sessionmaker, "job_queue": queue}
    async with sessionmaker() as session:
        author = await session.scalar(
            select(User).where(User.roles.any(UserRole.role == Role.ADVOCATE)).limit(1)
        )
        if author is None:
            raise SystemExit("No advocates: run `portal seed-bench` first.")
        broadcast = await service.create_broadcast(
            session,
            author=author,
            subject="{first_name}, the spring release is out",
            body=BODY,
            audience=Audience.EVERYONE,
            send_at=None,
            now=utcnow(),
        )
        broadcast_id = broadcast.id
        await session.commit()
        await queue.send(session.info.pop("jobs", []))

    timings: dict[str, list[float]] = {}
    started = time.perf_counter()
    await asyncio.gather(*(_run_worker(ctx, queue, timings) for _ in range(workers)))
    total = time.perf_counter() - started - 2  # the last runner waited 2 s for more work

    async with sessionmaker() as session:
        delivered = await session.scalar(
            select(func.count()).where(Delivery.broadcast_id == broadcast_id)
        )
        emails = await session.scalar(select(func.count()).where(OutboxEmail.kind == "broadcast"))
        status = await session.scalar(select(Broadcast.status).where(Broadcast.id == broadcast_id))
        await session.execute(delete(Notification).where(Notification.kind == "broadcast"))
        await session.execute(delete(OutboxEmail).where(OutboxEmail.kind == "broadcast"))
        await session.execute(delete(Broadcast).where(Broadcast.id == broadcast_id))
        await session.commit()
    await engine.dispose()

    print("| job runners | people | status | emails | total s | per second |")
    print("|---:|---:|---|---:|---:|---:|")
    print(
        f"| {workers} | {delivered:,} | {status} | {emails:,} | {total:.1f} "
        f"| {(delivered or 0) / total:,.0f} |"
    )
    print()
    print("| job | runs | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|")
    for name in ("start_broadcast", "deliver_broadcast"):
        runs = sorted(timings.get(name, []))
        if runs:
            p99 = runs[min(len(runs) - 1, int(len(runs) * 0.99))]
            print(
                f"| {name} | {len(runs)} | {statistics.median(runs) * 1000:.0f} "
                f"| {p99 * 1000:.0f} | {runs[-1] * 1000:.0f} |"
            )
    print(f"\n(send_email jobs queued and skipped: {len(timings.get('send_email', []))})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1)
    asyncio.run(main(parser.parse_args().workers))
