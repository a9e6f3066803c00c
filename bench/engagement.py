"""The quiet-advocates sweep over a `portal seed-bench` database (100 000 advocates).

    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/portal_bench
    .venv/bin/python bench/engagement.py

Runs the sweep inside a transaction and rolls it back, so it can be repeated; prints how many
advocates were looked at, how many nudges were written, and the time.
"""

import asyncio
import time

from sqlalchemy import func, select

from portal import routing
from portal.clock import utcnow
from portal.config import Settings
from portal.db import create_engine, create_sessionmaker
from portal.engagement import sequences
from portal.people.models import User


async def main() -> None:
    settings = Settings()
    routing.install_links(settings)
    engine = create_engine(settings.database_url)
    async with create_sessionmaker(engine)() as session:
        advocates = await session.scalar(select(func.count()).select_from(User))
        started = time.perf_counter()
        sent = await sequences.nudge_quiet_advocates(session, now=utcnow())
        elapsed = time.perf_counter() - started
        await session.rollback()
    await engine.dispose()
    print("| sweep | users | nudges written | seconds |\n|---|---:|---:|---:|")
    print(f"| quiet advocates (re-engagement) | {advocates:,} | {sent:,} | {elapsed:.1f} |")


if __name__ == "__main__":
    asyncio.run(main())
