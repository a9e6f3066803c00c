"""Load with nothing lost: simulated advocates against `portal run` on PostgreSQL.

    .venv/bin/python bench/load.py                  # 200 advocates, 60 s (see --help)

Builds everything on loopback: a database of its own (created, migrated, filled with
`portal seed-demo` and `portal seed-bench`, dropped at the end unless --keep), a redis-server
and an aiosmtpd server on free ports, then `portal run` and `portal worker` as an operator runs
them. The advocates sign in, then for --seconds each loops (with a short think time) over page
views, challenge entries, referrals and redemptions, filling each form as the page serves it.
Afterwards it checks and prints: no 5xx, every balance equals the sum of its ledger, no reward
stock ever below zero (sampled through the run), and every outbox row sent exactly once (the
SMTP server's messages counted by their Message-ID against the outbox). Exits 1 if one fails.
"""

import argparse
import asyncio
import contextlib
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
from aiosmtpd.controller import Controller

BIN = Path(sys.executable).parent
OUTBOX_ID = re.compile(rb"Message-ID:\s*<[^>]*outbox\.(\d+)@", re.IGNORECASE)
ACTIONS = {"page": 50, "entry": 20, "referral": 15, "redemption": 15}
PAGES = ["/", "/challenges/", "/rewards/", "/leaderboard/", "/points/", "/referrals/"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Forms(HTMLParser):
    """The forms of a page: action and the fields a browser would send, filled like a person
    would (hidden values kept, text made up, the first choice of each set)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self.links: list[str] = []
        self.csrf = ""
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "meta" and a.get("name") == "csrf-token":
            self.csrf = a.get("content", "")
        elif tag == "a" and a.get("href"):
            self.links.append(urlsplit(a["href"]).path)  # url_for makes absolute links
        elif tag == "form":
            self.forms.append((urlsplit(a.get("action", "")).path, {}))
        elif self.forms and tag in ("input", "textarea", "select") and a.get("name"):
            fields, name, kind = self.forms[-1][1], a["name"], a.get("type", "text")
            if tag == "select":
                self._select = name
            elif kind in ("checkbox", "radio"):
                fields.setdefault(name, a.get("value", "on"))
            elif kind not in ("file", "submit", "button"):
                fields[name] = a.get("value") or made_up(name)
        elif tag == "option" and self._select and self.forms:
            self.forms[-1][1].setdefault(self._select, a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def made_up(name: str) -> str:
    if "email" in name:
        return f"prospect-{uuid.uuid4().hex[:12]}@load.example"
    if "url" in name:
        return "https://example.com/review/" + uuid.uuid4().hex[:8]
    if "phone" in name:
        return "+1 555 0100"
    return "Load test " + uuid.uuid4().hex[:6]


def forms_of(html: str) -> Forms:
    parser = Forms()
    parser.feed(html)
    return parser


class Mailbox:
    def __init__(self) -> None:
        self.outbox_ids: Counter[int] = Counter()
        self.unmatched = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        match = OUTBOX_ID.search(envelope.original_content or envelope.content)
        if match:
            self.outbox_ids[int(match.group(1))] += 1
        else:
            self.unmatched += 1
        return "250 Message accepted for delivery"


class Stats:
    def __init__(self) -> None:
        self.statuses: dict[str, Counter[int]] = defaultdict(Counter)
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.failures: Counter[str] = Counter()  # no answer at all (timeouts, resets)
        self.requests = 0
        self.elapsed = 0.0
        self.lowest_stock = 0

    def record(self, action: str, status: int, seconds: float) -> None:
        self.requests += 1
        self.statuses[action][status] += 1
        self.latencies[action].append(seconds)

    def five_xx(self) -> int:
        return sum(n for counts in self.statuses.values() for s, n in counts.items() if s >= 500)


class Advocate:
    def __init__(self, base: str, email: str, password: str, stats: Stats, rng: random.Random):
        self.client = httpx.AsyncClient(base_url=base, timeout=60, follow_redirects=False)
        self.email, self.password, self.stats, self.rng = email, password, stats, rng
        self.challenges: list[str] = []
        self.rewards: list[str] = []

    async def request(self, action: str, method: str, path: str, **kw: Any) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = await self.client.request(method, path, **kw)
        except httpx.HTTPError as error:
            self.stats.failures[f"{action}: {type(error).__name__}"] += 1
            raise
        self.stats.record(action, response.status_code, time.perf_counter() - started)
        return response

    async def sign_in(self) -> None:
        page = forms_of((await self.client.get("/login")).text)
        answer = await self.client.post(
            "/login",
            data={"csrf_token": page.csrf, "email": self.email, "password": self.password},
        )
        if answer.status_code != 303:
            raise RuntimeError(f"sign-in of {self.email} answered {answer.status_code}")
        links = forms_of((await self.client.get("/challenges/")).text).links
        self.challenges = sorted({p for p in links if re.fullmatch(r"/challenges/\d+", p)})
        links = forms_of((await self.client.get("/rewards/")).text).links
        self.rewards = sorted({p for p in links if re.fullmatch(r"/rewards/\d+", p)})

    async def submit(self, action: str, page: str, form_action: re.Pattern[str]) -> None:
        """Opens the page, then sends its form as a browser would."""
        html = (await self.request("page", "GET", page)).text
        parsed = forms_of(html)
        for target, fields in parsed.forms:
            if form_action.fullmatch(target):
                fields.setdefault("csrf_token", parsed.csrf)
                await self.request(action, "POST", target, data=fields)
                return

    async def step(self) -> None:
        action = self.rng.choices(list(ACTIONS), weights=list(ACTIONS.values()))[0]
        if action == "page":
            await self.request(action, "GET", self.rng.choice(PAGES))
        elif action == "entry" and self.challenges:
            await self.submit(
                action, self.rng.choice(self.challenges), re.compile(r"/challenges/\d+/entries")
            )
        elif action == "referral":
            await self.submit(action, "/referrals/new", re.compile(r"/referrals/new"))
        elif action == "redemption" and self.rewards:
            await self.submit(
                action, self.rng.choice(self.rewards), re.compile(r"/rewards/\d+/redeem")
            )


async def run_load(args: argparse.Namespace, base: str, emails: list[str], dsn: str) -> Stats:
    stats = Stats()
    advocates = [
        Advocate(base, email, "bench-password", stats, random.Random(n))
        for n, email in enumerate(emails)
    ]
    gate = asyncio.Semaphore(8)  # sign-ins hash a password each: not part of the measurement

    async def sign_in(advocate: Advocate) -> None:
        async with gate:
            await advocate.sign_in()

    await asyncio.gather(*(sign_in(a) for a in advocates))
    print(f"{len(advocates)} advocates signed in; load for {args.seconds} s", flush=True)
    deadline = time.monotonic() + args.seconds
    lowest_stock: list[int] = []

    async def watch_stock() -> None:
        connection = await asyncpg.connect(dsn)
        try:
            while time.monotonic() < deadline:
                lowest = await connection.fetchval(
                    "SELECT min(inventory) FROM rewards WHERE inventory IS NOT NULL"
                )
                lowest_stock.append(lowest if lowest is not None else 0)
                await asyncio.sleep(0.5)
        finally:
            await connection.close()

    async def loop(advocate: Advocate) -> None:
        while time.monotonic() < deadline and stats.requests < args.max_requests:
            with contextlib.suppress(httpx.HTTPError):  # counted in stats.failures
                await advocate.step()
            await asyncio.sleep(advocate.rng.uniform(0, args.think))

    started = time.monotonic()
    await asyncio.gather(watch_stock(), *(loop(a) for a in advocates))
    stats.elapsed = time.monotonic() - started
    stats.lowest_stock = min(lowest_stock, default=0)
    for advocate in advocates:
        await advocate.client.aclose()
    return stats


async def check(dsn: str, mailbox: Mailbox, wait: float) -> dict[str, Any]:
    connection = await asyncpg.connect(dsn)
    try:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            unsent = await connection.fetchval(
                "SELECT count(*) FROM email_outbox WHERE status IN ('pending', 'sending')"
            )
            if unsent == 0:
                break
            await asyncio.sleep(1)
        statuses = dict(
            await connection.fetch("SELECT status, count(*) FROM email_outbox GROUP BY status")
        )
        sent_ids = {
            r[0]
            for r in await connection.fetch("SELECT id FROM email_outbox WHERE status = 'sent'")
        }
        drift = await connection.fetchval(
            """SELECT count(*) FROM points_balances b
               LEFT JOIN (SELECT user_id, sum(delta) AS total FROM points_ledger
                          WHERE state = 'posted' GROUP BY user_id) l
               ON l.user_id = b.user_id WHERE b.current <> coalesce(l.total, 0)"""
        )
        negative = await connection.fetchval("SELECT count(*) FROM rewards WHERE inventory < 0")
        counts = await connection.fetchrow(
            """SELECT (SELECT count(*) FROM points_ledger) AS ledger,
                      (SELECT count(*) FROM challenge_submissions) AS submissions,
                      (SELECT count(*) FROM referrals) AS referrals,
                      (SELECT count(*) FROM redemptions) AS redemptions"""
        )
    finally:
        await connection.close()
    received = set(mailbox.outbox_ids)
    return {
        "outbox": statuses,
        "sent rows": len(sent_ids),
        "messages received": sum(mailbox.outbox_ids.values()) + mailbox.unmatched,
        "sent twice": sum(1 for n in mailbox.outbox_ids.values() if n > 1),
        "sent rows never received": len(sent_ids - received),
        "received but not marked sent": len(received - sent_ids),
        "messages without an outbox id": mailbox.unmatched,
        "balances that disagree with the ledger": drift,
        "rewards below zero stock at the end": negative,
        **dict(counts),
    }


def run(command: list[str], env: dict[str, str]) -> None:
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603


async def admin_sql(dsn: str, statement: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def measure(
    args: argparse.Namespace, base: str, dsn: str, mailbox: Mailbox
) -> tuple[Stats, dict[str, Any]]:
    async with httpx.AsyncClient() as probe:
        for _ in range(600):
            try:
                if (await probe.get(f"{base}/healthz")).status_code == 200:
                    break
            except httpx.HTTPError:
                await asyncio.sleep(0.1)
    connection = await asyncpg.connect(dsn)
    rows = await connection.fetch(
        "SELECT email FROM users WHERE email LIKE '%@bench.example' ORDER BY id LIMIT $1",
        args.users,
    )
    await connection.close()
    stats = await run_load(args, base, [row[0] for row in rows], dsn)
    return stats, await check(dsn, mailbox, args.drain)


def main(args: argparse.Namespace) -> int:
    name = f"portal_load_{os.getpid()}"
    dsn = args.admin_dsn.rsplit("/", 1)[0] + f"/{name}"
    asyncio.run(admin_sql(args.admin_dsn, f'CREATE DATABASE "{name}"'))
    work = Path(tempfile.mkdtemp(prefix="portal-load-"))
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    redis_port, web_port = free_port(), free_port()
    base = f"http://127.0.0.1:{web_port}"
    env = {
        **os.environ,
        "DATABASE_URL": dsn,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "BASE_URL": base,
        "VAR_DIR": str(work),
        "PORTAL_ENV": "production",
    }
    portal = str(BIN / "portal")
    processes: list[subprocess.Popen[bytes]] = []
    try:
        run([portal, "migrate"], env)
        run([portal, "seed-demo"], env)
        run(
            [
                portal,
                "seed-bench",
                "--advocates",
                str(args.users),
                "--ledger",
                str(args.users * 50),
            ],
            env,
        )
        log = (work / "servers.log").open("wb")
        redis = shutil.which("redis-server") or "redis-server"
        for command in (
            [
                redis,
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--dir",
                str(work),
            ],
            [portal, "worker"],
            [portal, "run", "--port", str(web_port)],
        ):
            processes.append(subprocess.Popen(command, env=env, stdout=log, stderr=log))  # noqa: S603
        stats, results = asyncio.run(measure(args, base, dsn, mailbox))
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=30)
        smtp.stop()
        if not args.keep:
            asyncio.run(admin_sql(args.admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            shutil.rmtree(work, ignore_errors=True)
    return report(args, stats, results)


def report(args: argparse.Namespace, stats: Stats, results: dict[str, Any]) -> int:
    elapsed = stats.elapsed
    print(
        f"\n{len(os.sched_getaffinity(0))} cores, {args.users} advocates, {elapsed:.1f} s, "
        f"think time 0-{args.think} s"
    )
    print("\n| action | requests | p50 ms | p99 ms | statuses |\n|---|---:|---:|---:|---|")
    for action, latencies in sorted(stats.latencies.items()):
        latencies.sort()
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        codes = ", ".join(f"{s}: {n}" for s, n in sorted(stats.statuses[action].items()))
        print(
            f"| {action} | {len(latencies)} | {statistics.median(latencies) * 1000:.0f} "
            f"| {p99 * 1000:.0f} | {codes} |"
        )
    print(
        f"\n{stats.requests} requests, {stats.requests / elapsed:.0f} req/s; "
        f"5xx: {stats.five_xx()}; no answer: {dict(stats.failures) or 0}"
    )
    print(f"lowest reward stock seen during the run: {stats.lowest_stock}")
    for key, value in results.items():
        print(f"{key}: {value}")
    problems = [
        stats.five_xx(),
        sum(stats.failures.values()),
        stats.lowest_stock < 0,
        results["balances that disagree with the ledger"],
        results["rewards below zero stock at the end"],
        results["sent twice"],
        results["sent rows never received"],
        results["received but not marked sent"],
        sum(n for status, n in results["outbox"].items() if status != "sent"),
    ]
    print("\nRESULT:", "nothing lost" if not any(problems) else f"PROBLEMS {problems}")
    return 1 if any(problems) else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200, help="simulated advocates")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", type=float, default=1.0, help="max pause between steps, s")
    parser.add_argument("--max-requests", type=int, default=100_000, help="a hard cap")
    parser.add_argument("--drain", type=float, default=180, help="max wait for the outbox, s")
    parser.add_argument(
        "--admin-dsn",
        default=os.environ.get(
            "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    sys.exit(main(parser.parse_args()))
