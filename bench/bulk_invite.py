"""Invite many: a 10 000-row list read and checked, then invited a batch per transaction, as
the `invite_next_batch` job does it (the same service call, one session and commit each).

    createdb -h 127.0.0.1 -U postgres portal_bench_invite
    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/portal_bench_invite
    .venv/bin/portal migrate
    .venv/bin/python bench/bulk_invite.py          # --rows 10000 --batch 200

Addresses are new on every run (a run stamp), so it can be repeated on the same database; the
emails stay in the outbox (no SMTP). Prints the upload check and the batches' figures.
"""

import argparse
import asyncio
import statistics
import time

from sqlalchemy import func, select

from portal import routing, subscriptions
from portal.auth import service as auth
from portal.auth.service.bulk_invites import BATCH_SIZE
from portal.config import Settings
from portal.db import create_engine, create_sessionmaker
from portal.outbox.models import OutboxEmail
from portal.people.models import Group, Role


def _list(rows: int, stamp: int) -> str:
    lines = ["email,name,company,job title,groups,language,points"]
    for n in range(rows):
        group = "Bench invitees" if n % 2 else ""
        points = str(100 + n % 900) if n % 3 == 0 else ""
        company = f"Company {n % 250}"
        lines.append(
            f"p{stamp}-{n}@bench.example,Person {n},{company},Engineer,{group},en,{points}"
        )
    return "\n".join(lines) + "\n"


async def main(rows: int, batch: int) -> None:
    settings = Settings()
    subscriptions.install()
    routing.install_links(settings)
    engine = create_engine(settings.database_url)
    sessionmaker = create_sessionmaker(engine)
    stamp = int(time.time())
    async with sessionmaker() as session:
        marketer = await auth.find_user_by_email(session, "bench-marketer@bench.example")
        if marketer is None:
            marketer = await auth.create_user(
                session,
                email="bench-marketer@bench.example",
                display_name="Bench Marketer",
                roles=[Role.MARKETER],
            )
        if await session.scalar(select(Group.id).where(Group.name == "Bench invitees")) is None:
            session.add(Group(name="Bench invitees"))
        await session.commit()
        outbox_before = await session.scalar(select(func.count()).select_from(OutboxEmail))
        text = _list(rows, stamp)
        started = time.perf_counter()
        bulk = await auth.read_list(session, staff=marketer, text=text, source="bench.csv")
        await session.commit()
        read_seconds = time.perf_counter() - started
        await auth.start_sending(session, staff=marketer, bulk=bulk)
        await session.commit()
        bulk_id = bulk.id
    batch_seconds = []
    started = time.perf_counter()
    while True:
        began = time.perf_counter()
        async with sessionmaker() as session:
            done = await auth.invite_next_batch(session, bulk_invite_id=bulk_id, size=batch)
            await session.commit()
        if not done:
            break
        batch_seconds.append(time.perf_counter() - began)
    total = time.perf_counter() - started
    async with sessionmaker() as session:
        bulk = await auth.access_bulk_invite(session, bulk_id)
        progress = await auth.progress_of(session, bulk)
        written = await session.scalar(select(func.count()).select_from(OutboxEmail))
    await engine.dispose()
    print("| step | rows | seconds | rows/s |\n|---|---:|---:|---:|")
    print(
        f"| read and check the list (one request) | {rows:,} | {read_seconds:.1f} | "
        f"{rows / read_seconds:,.0f} |"
    )
    print(
        f"| invite, {len(batch_seconds)} batches of {batch} (one transaction each) | "
        f"{progress.invited:,} | {total:.1f} | {progress.invited / total:,.0f} |"
    )
    print(
        f"\nbatch transaction: median {statistics.median(batch_seconds):.2f} s, "
        f"longest {max(batch_seconds):.2f} s; emails written to the outbox: "
        f"{(written or 0) - (outbox_before or 0):,}; failed rows: {progress.failed}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=BATCH_SIZE)
    options = parser.parse_args()
    asyncio.run(main(options.rows, options.batch))
