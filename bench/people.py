"""The People table over a `portal seed-bench` database (100 000 advocates): the first page,
a page deep in the table opened by its number (offset 50 000) and reached by Next (keyset,
from the cursor of the page before it), and a filtered first page, for each sort.

    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/portal_bench
    .venv/bin/python bench/people.py

Each figure is the best of three runs of one page (its count included), in milliseconds.
"""

import asyncio
import time

from portal.config import Settings
from portal.db import create_engine, create_sessionmaker
from portal.directory import keyset, query
from portal.directory.filters import PeopleFilter, Sort
from portal.people.models import Role

DEEP_PAGE = 2_000  # 25 a page: rows 49 976 to 50 000
RUNS = 3


async def best_of(chosen: PeopleFilter, page: int, *, by_next: bool = False) -> float:
    engine = create_engine(Settings().database_url)
    timings = []
    try:
        async with create_sessionmaker(engine)() as session:
            cursor = None
            if by_next:  # where the page before left off (not timed)
                before = await query.list_people(session, chosen, page=page - 1)
                cursor = keyset.decode(chosen.sort, before.after, backwards=False)
            for _ in range(RUNS):
                started = time.perf_counter()
                await query.list_people(session, chosen, page=page, cursor=cursor)
                timings.append(time.perf_counter() - started)
                await session.rollback()
    finally:
        await engine.dispose()
    return min(timings) * 1000


async def main() -> None:
    print(
        "| sort | page 1 (ms) | page 2 000 by number (ms) | page 2 000 by Next (ms) "
        "| advocates, points ≥ 100, page 1 (ms) |"
    )
    print("|---|---:|---:|---:|---:|")
    for sort in Sort:
        everyone = PeopleFilter(sort=sort, descending=sort.first_descending)
        filtered = PeopleFilter(
            role=Role.ADVOCATE, points_min=100, sort=sort, descending=sort.first_descending
        )
        first = await best_of(everyone, 1)
        deep = await best_of(everyone, DEEP_PAGE)
        by_next = await best_of(everyone, DEEP_PAGE, by_next=True)
        narrow = await best_of(filtered, 1)
        print(f"| {sort.label} | {first:.0f} | {deep:.0f} | {by_next:.0f} | {narrow:.0f} |")


if __name__ == "__main__":
    asyncio.run(main())
