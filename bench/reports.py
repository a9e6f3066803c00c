"""The report pages over a `portal seed-bench` database (100 000 advocates, 1 000 000 ledger
rows, 300 000 challenge entries and 50 000 referrals over 90 days), on PostgreSQL.

    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/portal_bench
    .venv/bin/python bench/reports.py            # --runs 10

First runs the hourly job that rolls up the settled sign-up days (`reports.signups`), as a
worker would have, and prints its time. Then prints the median and worst time of each page's
service call (what the handler waits for, timed in the process), each in a fresh session, with
the number of SQL statements it sent and the load average (1 minute) before and after the row,
since the machine is shared: last 7/30/90 days for everyone, and 90 days for the large group.
Beside it, the bare-stack ceiling of the same page in the same run: the very SQL statements the
service sent, replayed on a raw asyncpg connection (no ORM, no Python between them), so the
ratio says how much of the time is the database's.
"""

import argparse
import asyncio
import os
import statistics
import time
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import selectinload

from portal import routing
from portal.clock import utcnow
from portal.config import Settings
from portal.db import create_engine, create_sessionmaker
from portal.people.models import Group, Role, User, UserRole
from portal.reports import periods, service, signups
from portal.reports.periods import Choice, Span

TARGET_MS = {"overview": 300} | dict.fromkeys(
    ("funnel", "engagement", "value", "cohorts", "rewards"), 500
)


async def main(runs: int, pages: list[str]) -> None:
    settings = Settings()
    routing.install_links(settings)
    engine = create_engine(settings.database_url)
    sessionmaker = create_sessionmaker(engine)
    today = utcnow().date()
    async with sessionmaker() as session:
        viewer = await session.scalar(
            select(User).join(UserRole).where(UserRole.role.in_((Role.MARKETER, Role.ADMIN)))
        )
        large = await session.scalar(select(Group.id).where(Group.name == "Bench: large group"))
    if viewer is None:
        raise SystemExit("Make a marketer first: portal create-admin")
    async with sessionmaker() as session:
        load, started = os.getloadavg()[0], time.perf_counter()
        rows = await signups.refresh_signup_days(session, today=today)
        await session.commit()
        print(
            f"refresh_signup_days: {rows} rows in {(time.perf_counter() - started) * 1000:.0f} ms "
            f"(load average {load:.1f} → {os.getloadavg()[0]:.1f})\n"
        )
    days_90 = periods.period_of(Span.DAYS_90, today)
    cases = [
        (page, f"{page}, {span.label.lower()}", Choice(span, periods.period_of(span, today), None))
        for page in pages
        for span in (Span.DAYS_7, Span.DAYS_30, Span.DAYS_90)
    ] + [
        (page, f"{page}, last 90 days, 10 000-member group", Choice(Span.DAYS_90, days_90, large))
        for page in pages
    ]
    sent: list[tuple[str, Any]] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def capture(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        sent.append((statement, params))

    print(
        "| page (PostgreSQL, fresh session each run) | median ms | worst ms "
        "| ceiling: its SQL bare, median ms | x ceiling | statements | target ms "
        "| load average |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for page, label, choice in cases:
        load = getattr(service, f"{page}_page")
        times, bare = [], []
        load_before = os.getloadavg()[0]
        for _ in range(runs):
            async with sessionmaker() as session:
                here = await session.scalar(
                    select(User).where(User.id == viewer.id).options(selectinload(User.roles))
                )
                sent.clear()
                started = time.perf_counter()
                await load(session, here, choice)
                times.append((time.perf_counter() - started) * 1000)
            statements = len(sent)
            bare.append(await _replay(engine, list(sent)))
        median, worst, ceiling = statistics.median(times), max(times), statistics.median(bare)
        print(
            f"| {label} | {median:.0f} | {worst:.0f} | {ceiling:.0f} | "
            f"{median / ceiling:.2f} | {statements} | {TARGET_MS[page]} "
            f"| {load_before:.1f} → {os.getloadavg()[0]:.1f} |"
        )
    await engine.dispose()


async def _replay(engine: Any, statements: list[tuple[str, Any]]) -> float:
    """The statements again on the raw asyncpg connection: milliseconds for all of them."""
    async with engine.connect() as connection:
        raw = (await connection.get_raw_connection()).driver_connection
        started = time.perf_counter()
        for statement, params in statements:
            await raw.fetch(statement, *params)
        return (time.perf_counter() - started) * 1000


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument(
        "--pages", default=",".join(TARGET_MS), help=f"comma-separated, of {', '.join(TARGET_MS)}"
    )
    arguments = parser.parse_args()
    asyncio.run(main(arguments.runs, arguments.pages.split(",")))
