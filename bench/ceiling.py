"""The portal side by side with the bare-stack ceiling (issue 24), with `portal seed-bench`
data: `make bench`, or

    .venv/bin/python bench/ceiling.py [--seconds 8] [--pairs 3] [--code DIR] [--no-sqlite]

Unattended from any state: creates and migrates the PostgreSQL bench database (`--database`,
default `portal_bench`; `portal migrate` runs every time, so a database seeded before newer
migrations is brought up to date) and seeds it once (`portal seed-bench`, VACUUM ANALYZE);
likewise the SQLite bench file (`--sqlite`) and the ceiling's own databases
(../shared/bench-ceiling/seed.py). Then, on PostgreSQL, starts `portal run --workers 2` (with
Redis) and the ceiling's uvicorn (2 workers) side by side, signs in 8 bench advocates (each
request picks one) and the bench admin (admin@bench.example, also marketer), and runs
`wrk -t2 -c50 --latency` alternating: a portal page, then the ceiling's `/home`, `--pairs`
times for the advocate's Home and once for every other page (the advocate pages, then the
staff pages: the marketer's Home, the reports overview, People, the pipeline). Then on SQLite,
one worker each, the advocate's Home against the ceiling's `/home-sqlite`, `--pairs` times.
Writes the table (req/s, p99, the ratio to the ceiling of the same pair, load averages, worker
RSS after each phase) between the markers in bench/README.md and prints it. `--code DIR`
serves another checkout of the portal (a "before" run) with the same tools. The machine is
shared: ratios within one run.
"""

import argparse
import asyncio
import contextlib
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
CEILING = HERE.parent.parent / "shared" / "bench-ceiling"
README = HERE / "README.md"
TMP = Path(tempfile.gettempdir())
CEILING_SQLITE = Path(os.environ.get("CEILING_SQLITE", TMP / "bench-ceiling.sqlite3"))
START, END = "<!-- ceiling:start -->", "<!-- ceiling:end -->"
ADVOCATE_PAGES = ["/", "/leaderboard/", "/challenges/", "/rewards/", "/content/", "/points/"]
STAFF_PAGES = ["/", "/manage/reports/", "/manage/people/", "/pipeline/"]
ADVOCATES = 8
STAFF = "admin@bench.example"  # made by `portal seed-bench` (portal.benchdata.BENCH_STAFF)
PASSWORD = "bench-password"  # noqa: S105 (every bench account's, public by design)
# On a loaded machine uvicorn's workers can take minutes to answer (it restarts a child that
# misses its health check while importing): wait up to 5 minutes.
STARTUP_TRIES = 600
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
LUA = """
cookies = {%s}
math.randomseed(os.time())
function request()
  wrk.headers["Cookie"] = cookies[math.random(1, #cookies)]
  return wrk.format(nil, wrk.path)
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(command: list[str], **kwargs: object) -> None:
    subprocess.run(command, check=True, **kwargs)  # type: ignore[call-overload]  # noqa: S603


async def has_rows(dsn: str, query: str) -> bool | None:
    """Whether `query` answers true; None when the database does not exist."""
    try:
        connection = await asyncpg.connect(dsn)
    except asyncpg.InvalidCatalogNameError:
        return None
    try:
        return bool(await connection.fetchval(query))
    except asyncpg.UndefinedTableError:
        return False
    finally:
        await connection.close()


def sqlite_has_rows(path: Path, query: str) -> bool:
    if not path.exists():
        return False
    with sqlite3.connect(path) as connection:
        try:
            return bool(connection.execute(query).fetchone()[0])
        except sqlite3.OperationalError:  # no such table
            return False


BENCH_ROWS = "SELECT count(*) > 0 FROM users WHERE email LIKE '%@bench.example'"
STAFF_ROWS = "SELECT count(*) > 0 FROM users WHERE email = 'admin@bench.example'"  # STAFF


def prepare(dsn: str, sqlite_path: Path | None, ceiling_dsn: str, env: dict[str, str]) -> None:
    """Every database the run needs, made or brought up to date: safe to call every time."""
    portal = str(BIN / "portal")
    seeded = asyncio.run(has_rows(dsn, BENCH_ROWS))
    if seeded is None:
        run(["/usr/bin/createdb", "-h", "127.0.0.1", "-U", "postgres", dsn.rsplit("/", 1)[1]])
    run([portal, "migrate"], env=env)
    if not seeded:
        run([portal, "seed-bench"], env=env)
        run(["/usr/bin/psql", dsn, "-c", "VACUUM ANALYZE"])
    elif not asyncio.run(has_rows(dsn, STAFF_ROWS)):  # seeded before seed-bench made staff
        command = [portal, "create-admin", "--email", STAFF, "--name", "Bench Admin"]
        run(command, env=env, input=f"{PASSWORD}\n".encode())
    if sqlite_path is not None:
        sqlite_env = {**env, "DATABASE_URL": f"sqlite+aiosqlite:///{sqlite_path}"}
        run([portal, "migrate"], env=sqlite_env)
        if not sqlite_has_rows(sqlite_path, BENCH_ROWS):
            run([portal, "seed-bench"], env=sqlite_env)
    ceiling_env = {**os.environ, "CEILING_PG_DSN": ceiling_dsn}
    ceiling_rows = "SELECT count(*) >= 1000000 FROM points_ledger"
    if not asyncio.run(has_rows(ceiling_dsn, ceiling_rows)) or not sqlite_has_rows(
        CEILING_SQLITE, "SELECT count(*) >= 1000000 FROM points_ledger"
    ):
        run([sys.executable, "seed.py"], cwd=CEILING, env=ceiling_env)


def start(
    command: list[str], *, env: dict[str, str], cwd: Path, port: int, health: str
) -> subprocess.Popen[bytes]:
    log = open(f"{tempfile.gettempdir()}/bench-ceiling-{port}.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(  # noqa: S603
        command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    for _ in range(STARTUP_TRIES):
        try:
            httpx.get(f"http://127.0.0.1:{port}{health}", timeout=1).raise_for_status()
            return process
        except httpx.HTTPError:
            time.sleep(0.5)
    stop(process)
    raise RuntimeError(f"{command[0]} did not answer on {port}: see {log.name}")


def stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def sign_in(base: str, emails: list[str]) -> list[str]:
    cookies = []
    for email in emails:
        with httpx.Client(base_url=base, timeout=120) as client:
            token = CSRF.search(client.get("/login").text)
            if token is None:
                raise RuntimeError("no CSRF token on /login")
            response = client.post(
                "/login",
                data={"csrf_token": token.group(1), "email": email, "password": PASSWORD},
            )
            if response.status_code != 303:
                raise RuntimeError(f"sign-in failed: {response.text[:300]}")
            cookies.append(f"portal_session={client.cookies['portal_session']}")
    return cookies


def advocates(first_id: int) -> list[str]:
    """Bench advocates spread over the table (ids 997 apart)."""
    return [
        f"advocate{uid}@bench.example" for uid in range(first_id, first_id + ADVOCATES * 997, 997)
    ]


def lua_for(cookies: list[str]) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(LUA % ", ".join(f'"{c}"' for c in cookies))
    return lua.name


def wrk(url: str, seconds: int, script: str, headers: list[str]) -> tuple[float, float]:
    """req/s and p99 (ms) of one run (after a 2 s warm-up)."""
    base = ["/usr/bin/wrk", "-t2", "-c50", "--timeout", "30s", "--latency", "-s", script]
    for header in headers:
        base += ["-H", header]
    subprocess.run([*base, "-d2s", url], check=True, capture_output=True)  # noqa: S603
    out = subprocess.run(  # noqa: S603
        [*base, f"-d{seconds}s", url], check=True, capture_output=True, text=True
    )
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out.stdout)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out.stdout)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out.stdout)
    if not rate or not p99 or errors:
        raise RuntimeError(f"wrk {url}: {out.stdout}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return float(rate.group(1)), float(p99.group(1)) * scale


def rss_mb(process: subprocess.Popen[bytes]) -> list[int]:
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        sizes.append(int(match.group(1)) // 1024 if match else 0)
    return sizes


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class Pairs:
    """The rows of one run: a portal page, then the ceiling's Home, under the same load."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        self.rows: list[str] = []

    def measure(self, label: str, portal_url: str, lua: str, ceiling_url: str, cookie: str) -> None:
        before = loadavg()
        portal_rate, portal_p99 = wrk(portal_url, self.seconds, lua, [])
        ceiling_lua = str(CEILING / "home.lua")
        ceiling_rate, ceiling_p99 = wrk(ceiling_url, self.seconds, ceiling_lua, [cookie])
        self.rows.append(
            f"| {label} | {portal_rate:,.0f} | {portal_p99:,.0f} | {ceiling_rate:,.0f} "
            f"| {ceiling_p99:,.0f} | **{portal_rate / ceiling_rate:.2f}x** "
            f"| {before} → {loadavg()} |"
        )
        print(self.rows[-1], flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/portal_bench")
    parser.add_argument("--sqlite", type=Path, default=TMP / "portal-bench.sqlite3")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL pages only")
    parser.add_argument(
        "--ceiling-database", default="postgresql://postgres@127.0.0.1:5432/ceiling"
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--pairs", type=int, default=3, help="alternated pairs for Home")
    parser.add_argument("--code", type=Path, help="serve the portal from this checkout")
    parser.add_argument("--label", default="this branch")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()

    env = {
        **os.environ,
        "DATABASE_URL": args.database,
        "REDIS_URL": args.redis,
        "SECRET_KEY": "bench-secret-key-that-is-long-enough-for-signing",
    }
    if args.code:
        env["PYTHONPATH"] = str(args.code.resolve())
    sqlite_path = None if args.no_sqlite else args.sqlite.resolve()
    prepare(args.database, sqlite_path, args.ceiling_database, env)
    sys.path.insert(0, str(CEILING))
    os.environ["CEILING_PG_DSN"] = args.ceiling_database
    import app as ceiling_app

    cookie = "Cookie: session=" + ceiling_app.make_session_cookie({"uid": 1, "csrf": "x" * 43})
    pairs = Pairs(args.seconds)
    memory = []
    with serving(env, args, workers=2) as (portal, portal_base, ceiling_base):
        first_id = asyncio.run(first_bench_user(args.database))
        advocate_lua = lua_for(sign_in(portal_base, advocates(first_id)))
        staff_lua = lua_for(sign_in(portal_base, [STAFF]))
        for page in ADVOCATE_PAGES:
            for _ in range(args.pairs if page == "/" else 1):
                label = f"`{page}`" + (" (advocate)" if page == "/" else "")
                pairs.measure(
                    label, portal_base + page, advocate_lua, ceiling_base + "/home", cookie
                )
        for page in STAFF_PAGES:
            label = f"`{page}` (staff{': the marketer Home' if page == '/' else ''})"
            pairs.measure(label, portal_base + page, staff_lua, ceiling_base + "/home", cookie)
        memory.append(f"PostgreSQL, 2 workers: {' / '.join(f'{m} MB' for m in rss_mb(portal))}")
    if sqlite_path is not None:
        sqlite_env = {**env, "DATABASE_URL": f"sqlite+aiosqlite:///{sqlite_path}"}
        with serving(sqlite_env, args, workers=1) as (portal, portal_base, ceiling_base):
            first_id = sqlite_first_bench_user(sqlite_path)
            advocate_lua = lua_for(sign_in(portal_base, advocates(first_id)))
            for _ in range(args.pairs):
                label = "`/` SQLite, 1 worker each (advocate; ceiling `/home-sqlite`)"
                pairs.measure(
                    label, portal_base + "/", advocate_lua, ceiling_base + "/home-sqlite", cookie
                )
            memory.append(f"SQLite, 1 worker: {' / '.join(f'{m} MB' for m in rss_mb(portal))}")
    table = "\n".join(
        [
            f"{args.label}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
            f"`wrk -t2 -c50 --timeout 30s -d{args.seconds}s`, {ADVOCATES} advocates and the "
            f"bench admin signed in; portal worker RSS after each phase: {'; '.join(memory)}.",
            "",
            "| page | portal req/s | portal p99 ms | ceiling req/s | ceiling p99 ms | ratio "
            "| load average (1/5/15 min) |",
            "|---|---:|---:|---:|---:|---:|---|",
            *pairs.rows,
        ]
    )
    print(table)
    if not args.no_write:
        text = README.read_text()
        head, _, rest = text.partition(START)
        _, _, tail = rest.partition(END)
        README.write_text(f"{head}{START}\n{table}\n{END}{tail}")


@contextlib.contextmanager
def serving(
    env: dict[str, str], args: argparse.Namespace, *, workers: int
) -> Iterator[tuple[subprocess.Popen[bytes], str, str]]:
    """The portal and the ceiling, `workers` uvicorn workers each, on free ports."""
    portal_port, ceiling_port = free_port(), free_port()
    portal = start(
        [str(BIN / "portal"), "run", "--port", str(portal_port), "--workers", str(workers)],
        env=env,
        cwd=args.code or HERE.parent,
        port=portal_port,
        health="/healthz",
    )
    ceiling_command = [sys.executable, "-m", "uvicorn", "app:app", "--port", str(ceiling_port)]
    ceiling_command += ["--workers", str(workers), "--loop", "uvloop", "--http", "httptools"]
    try:
        ceiling = start(
            [*ceiling_command, "--no-access-log"],
            env={**os.environ, "CEILING_PG_DSN": args.ceiling_database},
            cwd=CEILING,
            port=ceiling_port,
            health="/plain",
        )
    except BaseException:
        stop(portal)
        raise
    try:
        yield portal, f"http://127.0.0.1:{portal_port}", f"http://127.0.0.1:{ceiling_port}"
    finally:
        stop(portal)
        stop(ceiling)


def sqlite_first_bench_user(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        query = "SELECT min(id) FROM users WHERE email LIKE '%@bench.example'"
        return int(connection.execute(query).fetchone()[0])


async def first_bench_user(dsn: str) -> int:
    connection = await asyncpg.connect(dsn)
    try:
        return int(
            await connection.fetchval(
                "SELECT min(id) FROM users WHERE email LIKE '%@bench.example'"
            )
        )
    finally:
        await connection.close()


if __name__ == "__main__":
    main()
