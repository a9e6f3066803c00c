"""One portal page profiled in-process (issue 24): what a request costs without the HTTP server
or any concurrency, and where that time goes.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/portal_bench \\
        .venv/bin/python bench/profile_page.py / --requests 200 [--email E] [--top 30]

Signs in a bench advocate (or `--email`, password `--password`), warms the page up, then
times `--requests` sequential GETs (this process's CPU ms per request, which a loaded machine
disturbs far less than wall time; mean and median wall ms; SQL statements per request) and
runs them again under cProfile, printing the top entries by cumulative time (`--top 0`: no
profile).
"""

import argparse
import asyncio
import cProfile
import pstats
import re
import statistics
import time
from typing import Any

import httpx
from sqlalchemy import event

from portal.app import create_app
from portal.config import Settings
from portal.db import create_engine, create_sessionmaker

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


async def sign_in(client: httpx.AsyncClient, email: str, password: str) -> None:
    token = CSRF.search((await client.get("/login")).text)
    if token is None:
        raise RuntimeError("no CSRF token on /login")
    data = {"csrf_token": token.group(1), "email": email, "password": password}
    response = await client.post("/login", data=data)
    if response.status_code != 303:
        raise RuntimeError(f"sign-in failed: {response.text[:300]}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", default="/")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--email", default="advocate50000@bench.example")
    parser.add_argument("--password", default="bench-password")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--statements", action="store_true", help="print one request's SQL")
    args = parser.parse_args()

    settings = Settings(redis_url=None)
    engine = create_engine(settings.database_url)
    app = create_app(settings, sessionmaker=create_sessionmaker(engine))
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=settings.base_url) as client:
        await sign_in(client, args.email, args.password)
        for _ in range(20):
            (await client.get(args.path)).raise_for_status()
        statements.clear()
        if args.statements:
            await client.get(args.path)
            print("\n\n".join(statements))
            return
        times = []
        cpu_started = time.process_time()
        for _ in range(args.requests):
            started = time.perf_counter()
            (await client.get(args.path)).raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
        cpu = (time.process_time() - cpu_started) * 1000 / args.requests
        per_request = len(statements) / args.requests
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests if args.top else 0):
            await client.get(args.path)
        profile.disable()
    await engine.dispose()
    print(
        f"{args.path}: CPU {cpu:.2f} ms per request (this process: the app and the client), "
        f"wall mean {statistics.mean(times):.2f} ms, median {statistics.median(times):.2f} ms, "
        f"{per_request:.1f} statements per request"
    )
    if args.top:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    asyncio.run(main())
