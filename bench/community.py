"""The Community at scale (issue 22): the topic list and a topic with 500 replies, with 10 000
topics and 200 000 replies on PostgreSQL, timed as whole pages in-process (no HTTP server).

    createdb -h 127.0.0.1 -U postgres portal_bench_community
    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/portal_bench_community
    .venv/bin/portal migrate
    .venv/bin/portal seed-bench --advocates 2000 --ledger 20000 --entries 2000 --referrals 200
    .venv/bin/python bench/community.py --seed      # once: COPYs the topics and replies
    psql -h 127.0.0.1 -U postgres -d portal_bench_community -c "VACUUM ANALYZE"
    .venv/bin/python bench/community.py             # --requests N

For each page: the median and 90th percentile wall ms of `--requests` sequential GETs, this
process's CPU ms per request (which a loaded machine disturbs far less than wall time) and the
SQL statements per request, so a figure can be judged with the machine's load in mind.
"""

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

sys.path.insert(0, str(Path(__file__).parent))
from profile_page import sign_in

from portal.app import create_app
from portal.community.models import Category, Topic
from portal.config import Settings
from portal.db import create_engine, create_sessionmaker
from portal.people.models import User

TOPICS = 10_000
REPLIES = 200_000
BIG_TOPIC_REPLIES = 500
BIG_TOPIC_TITLE = "The 500-reply topic: exporting reports to spreadsheets"
CATEGORIES = ["Product tips", "Events", "Feedback", "Integrations", "Getting started", "Ideas"]
WORDS = [
    "export",
    "report",
    "dashboard",
    "alert",
    "shipment",
    "invoice",
    "customer",
    "integration",
    "webhook",
    "spreadsheet",
    "filter",
    "schedule",
    "login",
    "team",
    "workflow",
    "template",
    "approval",
    "budget",
    "forecast",
    "onboarding",
    "mobile",
    "calendar",
    "reminder",
    "billing",
    "warehouse",
    "tracking",
    "label",
    "carrier",
    "return",
    "refund",
    "analytics",
]
# Text reads like text to the search: a few common words and thousands of rarer ones, drawn
# by Zipf's law (the n-th most common word 1/n as often as the first).
SYLLABLES = ["ka", "lo", "mi", "ren", "tu", "sa", "vel", "dor", "pi", "nex", "qua", "zo"]
VOCABULARY = WORDS + [a + b + c for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES]
WEIGHTS = [1 / rank for rank in range(1, len(VOCABULARY) + 1)]
BATCH = 20_000


def _words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choices(VOCABULARY, WEIGHTS, k=count))


def _body(rng: random.Random) -> str:
    sentences = (
        _words(rng, rng.randint(6, 14)).capitalize() + "." for _ in range(rng.randint(2, 5))
    )
    return "".join(f"<p>{sentence}</p>" for sentence in sentences)


async def _copy(connection: AsyncConnection, table: str, rows: Iterator[dict[str, Any]]) -> None:
    raw = (await connection.get_raw_connection()).driver_connection
    batch: list[dict[str, Any]] = []

    async def flush() -> None:
        columns = list(batch[0])
        records = [tuple(row[c] for c in columns) for row in batch]
        await raw.copy_records_to_table(table, records=records, columns=columns)  # type: ignore[union-attr]
        batch.clear()

    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            await flush()
    if batch:
        await flush()


async def seed(database_url: str) -> None:
    rng = random.Random(22)
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        if await connection.scalar(select(func.count()).select_from(Topic)):
            sys.exit("The community already has topics: seed an empty one.")
        authors = list(await connection.scalars(select(User.id).order_by(User.id)))
        if len(authors) < 100:
            sys.exit("Run `portal seed-bench` first: the topics need authors.")
        now = datetime.now(UTC)
        category_ids = []
        for position, name in enumerate(CATEGORIES):
            category_ids.append(
                await connection.scalar(
                    Category.__table__.insert()
                    .values(
                        name=name,
                        description=f"All about {name.lower()}",
                        position=position,
                        is_targeted=False,
                        created_at=now - timedelta(days=400),
                    )
                    .returning(Category.id)
                )
            )
        # Replies per topic: the big one has exactly 500, the rest share the remainder.
        counts = [0] * TOPICS
        counts[0] = BIG_TOPIC_REPLIES
        for _ in range(REPLIES - BIG_TOPIC_REPLIES):
            counts[rng.randrange(1, TOPICS)] += 1
        topics: list[dict[str, Any]] = []
        posts: list[dict[str, Any]] = []
        post_id = 0
        for index in range(TOPICS):
            topic_id = index + 1
            # Every topic starts over 30 days ago, so its replies (within 30 days) are past.
            started = now - timedelta(minutes=rng.randint(31 * 24 * 60, 365 * 24 * 60))
            moments = sorted(
                started + timedelta(minutes=rng.randint(1, 30 * 24 * 60))
                for _ in range(counts[index])
            )
            answered = counts[index] > 3 and rng.random() < 0.3
            post_id += 1
            posts.append(_post(post_id, topic_id, rng.choice(authors), started, True, rng))
            for number, moment in enumerate(moments):
                post_id += 1
                row = _post(post_id, topic_id, rng.choice(authors), moment, False, rng)
                row["is_answer"] = answered and number == 1
                posts.append(row)
            topics.append(
                {
                    "id": topic_id,
                    "category_id": rng.choice(category_ids),
                    "author_id": posts[-len(moments) - 1]["author_id"],
                    "title": BIG_TOPIC_TITLE
                    if index == 0
                    else _words(rng, rng.randint(3, 8)).capitalize(),
                    "is_pinned": index in (1, 2),
                    "is_locked": False,
                    "is_hidden": index % 500 == 499,
                    "is_approved": True,
                    "reply_count": len(moments),
                    "answered_at": moments[1] if answered and len(moments) > 1 else None,
                    "created_at": started,
                    "last_posted_at": moments[-1] if moments else started,
                }
            )
        await _copy(connection, "community_topics", iter(topics))
        await _copy(connection, "community_posts", iter(posts))
        for table, last in (("community_topics", TOPICS), ("community_posts", post_id)):
            await connection.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {last})")
            )
    await engine.dispose()
    print(f"Seeded {TOPICS:,} topics and {post_id - TOPICS:,} replies.")


def _post(
    post_id: int, topic_id: int, author: int, moment: datetime, opening: bool, rng: random.Random
) -> dict[str, Any]:
    return {
        "id": post_id,
        "topic_id": topic_id,
        "author_id": author,
        "body_html": _body(rng),
        "is_opening": opening,
        "is_answer": False,
        "helpful_count": rng.choice((0, 0, 0, 1, 2, 5)),
        "is_hidden": False,
        "is_approved": True,
        "created_at": moment,
        "edited_at": None,
    }


async def measure(database_url: str, requests: int, email: str) -> None:
    settings = Settings(redis_url=None)
    engine = create_engine(database_url)
    app = create_app(settings, sessionmaker=create_sessionmaker(engine))
    statements: list[str] = []
    event.listen(
        engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2])
    )
    async with engine.connect() as connection:
        big = await connection.scalar(select(Topic.id).where(Topic.title == BIG_TOPIC_TITLE))
        category = await connection.scalar(select(Category.id).order_by(Category.id).limit(1))
    pages = [
        ("topic list, first page", "/community/"),
        ("topic list, page 200", "/community/?page=200"),
        ("a category's topics", f"/community/c/{category}"),
        ("500-reply topic, first page", f"/community/t/{big}"),
        ("500-reply topic, last page", f"/community/t/{big}?page=25"),
        ("search, two common words", "/community/search?q=export+spreadsheet"),
        ("search, a rarer word", "/community/search?q=velnexqua"),
    ]
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {requests} requests per page")
    print("| page | median ms | p90 ms | CPU ms | statements |")
    print("|---|---:|---:|---:|---:|")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as client:
        await sign_in(client, email, "bench-password")
        for label, path in pages:
            for _ in range(5):
                (await client.get(path)).raise_for_status()
            statements.clear()
            times = []
            cpu_started = time.process_time()
            for _ in range(requests):
                started = time.perf_counter()
                (await client.get(path)).raise_for_status()
                times.append((time.perf_counter() - started) * 1000)
            cpu = (time.process_time() - cpu_started) * 1000 / requests
            p90 = statistics.quantiles(times, n=10)[-1]
            print(
                f"| {label} | {statistics.median(times):.1f} | {p90:.1f} | {cpu:.1f}"
                f" | {len(statements) / requests:.0f} |"
            )
    load = os.getloadavg()
    print(f"load average after {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", action="store_true")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--email", default="advocate1000@bench.example")
    args = parser.parse_args()
    database_url = Settings().database_url
    if "postgresql" not in database_url:
        sys.exit("The community bench runs on PostgreSQL.")
    if args.seed:
        asyncio.run(seed(database_url))
    else:
        asyncio.run(measure(database_url, args.requests, args.email))


if __name__ == "__main__":
    main()
