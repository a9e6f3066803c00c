"""Points benchmarks on a database filled by `portal seed-bench` (PostgreSQL for the figures).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/points.py

Prints markdown tables: sustained award() throughput from concurrent tasks, leaderboard query
times, and the home page's queries. Awards are real: they add ledger rows (keys bench-run:...).
"""

import argparse
import asyncio
import statistics
import time
import uuid

from sqlalchemy import event, select
from sqlalchemy.orm import selectinload

from portal import routing
from portal.config import Settings
from portal.db import create_engine, create_sessionmaker
from portal.home import service as home
from portal.people.models import Group, User
from portal.points import service as points
from portal.points.models import Balance, Period


async def award_throughput(
    sessionmaker, users: list[User], tasks: int, seconds: float
) -> tuple[float, float, float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    run = uuid.uuid4().hex[:8]

    async def worker(n: int) -> None:
        i = 0
        while time.perf_counter() < deadline:
            user = users[(n * 7919 + i) % len(users)]
            started = time.perf_counter()
            async with sessionmaker() as session:
                await points.award(
                    session, user, points=10, reason="Benchmark", key=f"bench-run:{run}:{n}:{i}"
                )
                await session.commit()
            latencies.append(time.perf_counter() - started)
            i += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(tasks)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return (
        len(latencies) / elapsed,
        latencies[len(latencies) // 2] * 1000,
        latencies[int(len(latencies) * 0.99)] * 1000,
    )


async def statements_per_award(engine, sessionmaker, users: list[User]) -> float:
    """SQL statements one award sends (BEGIN and COMMIT not counted), over 50 awards to
    people already awarded today and this week (the steady state; a person's first award of
    the day or week adds one or two)."""
    run = uuid.uuid4().hex[:8]
    sample = users[:50]
    statements: list[str] = []

    def count(conn, cursor, statement, *rest) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        for step in ("warm", "count"):  # the first award of a person's day or week writes more
            statements.clear()
            for n, user in enumerate(sample):
                async with sessionmaker() as session:
                    await points.award(
                        session,
                        user,
                        points=10,
                        reason="Benchmark",
                        key=f"bench-run:{run}:{step}:{n}",
                    )
                    await session.commit()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    return len(statements) / len(sample)


async def timed(factory, runs: int) -> float:
    """Median milliseconds of `runs` calls, each in a fresh session."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await factory()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--only", choices=["awards", "queries"])
    args = parser.parse_args()
    settings = Settings()
    routing.install_links(settings)  # a level-up notifies
    engine = create_engine(settings.database_url, pool_size=25, max_overflow=0)
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        users = list(
            await session.scalars(
                select(User)
                .options(selectinload(User.roles))
                .where(User.email.like("%@bench.example"))
                .limit(5000)
            )
        )
        top = await session.scalar(
            select(User)
            .options(selectinload(User.roles))
            .join(Balance, Balance.user_id == User.id)
            .order_by(Balance.lifetime.desc())
            .limit(1)
        )
        low = await session.scalar(
            select(User)
            .options(selectinload(User.roles))
            .join(Balance, Balance.user_id == User.id)
            .where(Balance.lifetime > 0)
            .order_by(Balance.lifetime)
            .limit(1)
        )
        large = await session.scalar(select(Group.id).where(Group.name == "Bench: large group"))
    where = engine.url.render_as_string(hide_password=True)
    print(f"{len(users):,} users sampled; database {where}\n")

    if args.only != "queries":
        per_award = await statements_per_award(engine, sessionmaker, users)
        print(f"award(): {per_award:.1f} SQL statements per award (steady state)\n")
    print("| award() | awards/s | p50 ms | p99 ms |\n|---|---:|---:|---:|")
    for tasks in (1, 10, 20) if args.only != "queries" else ():
        rate, p50, p99 = await award_throughput(sessionmaker, users, tasks, args.seconds)
        label = f"{tasks} concurrent tasks, {args.seconds:.0f} s"
        print(f"| {label} | {rate:,.0f} | {p50:.2f} | {p99:.2f} |")

    print(f"\n| query (median of {args.runs}, fresh session each) | ms |\n|---|---:|")

    async def board(period: Period, viewer: User, group_id: int | None = None) -> None:
        async with sessionmaker() as session:
            await points.leaderboard(session, period=period, viewer=viewer, group_id=group_id)

    async def home_page(viewer: User) -> None:
        async with sessionmaker() as session:
            await home.home_view(session, viewer, exclude_staff=True)

    cases = [
        (
            "leaderboard this week, viewer far down (top 25 + own rank)",
            lambda: board(Period.WEEK, low),
        ),
        ("leaderboard this month, viewer far down", lambda: board(Period.MONTH, low)),
        ("leaderboard all time, viewer far down", lambda: board(Period.ALL_TIME, low)),
        ("leaderboard all time, the leader viewing", lambda: board(Period.ALL_TIME, top)),
        ("leaderboard this month, 10 000-member group", lambda: board(Period.MONTH, low, large)),
        (
            "home page: every query (balance, level, badges, rank, recent, feed)",
            lambda: home_page(low),
        ),
    ]
    for label, factory in cases if args.only != "awards" else []:
        print(f"| {label} | {await timed(factory, args.runs):.2f} |")
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
