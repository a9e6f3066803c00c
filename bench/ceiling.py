"""The portal side by side with the bare-stack ceiling (issue 24), on PostgreSQL with
`portal seed-bench` data: `make bench`, or

    .venv/bin/python bench/ceiling.py [--seconds 8] [--pairs 3] [--code DIR]

Seeds the bench database unless it has the data already (`portal migrate`, `portal seed-bench`,
VACUUM ANALYZE) and the ceiling's own database (../shared/bench-ceiling/seed.py) likewise, starts
`portal run --workers 2` (with Redis) and the ceiling's uvicorn (2 workers) side by side, signs
in several bench advocates, then runs `wrk -t2 -c50 --latency` alternating: a portal page, then
the ceiling's `/home`, `--pairs` times for Home and once for every other page. Writes the table
(req/s, p99, the ratio to the ceiling of the same pair, load averages, worker RSS after the run)
between the markers in bench/README.md and prints it. `--code DIR` serves another checkout of
the portal (a "before" run) with the same tools. The machine is shared: ratios within one run.
"""

import argparse
import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
CEILING = HERE.parent.parent / "shared" / "bench-ceiling"
README = HERE / "README.md"
START, END = "<!-- ceiling:start -->", "<!-- ceiling:end -->"
PAGES = ["/", "/leaderboard/", "/challenges/", "/rewards/", "/content/", "/points/"]
ADVOCATES = 8
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


async def has_rows(dsn: str, query: str) -> bool:
    try:
        connection = await asyncpg.connect(dsn)
    except asyncpg.InvalidCatalogNameError:
        return False
    try:
        return bool(await connection.fetchval(query))
    except asyncpg.UndefinedTableError:
        return False
    finally:
        await connection.close()


def prepare(dsn: str, ceiling_dsn: str, env: dict[str, str]) -> None:
    if not asyncio.run(has_rows(dsn, "SELECT 1 FROM users WHERE email LIKE '%@bench.example'")):
        run(["/usr/bin/createdb", "-h", "127.0.0.1", "-U", "postgres", dsn.rsplit("/", 1)[1]])
        run([str(BIN / "portal"), "migrate"], env=env)
        run([str(BIN / "portal"), "seed-bench"], env=env)
        run(["/usr/bin/psql", dsn, "-c", "VACUUM ANALYZE"])
    ceiling_env = {**os.environ, "CEILING_PG_DSN": ceiling_dsn}
    if not asyncio.run(has_rows(ceiling_dsn, "SELECT count(*) >= 1000000 FROM points_ledger")):
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


def sign_in(base: str, first_id: int) -> list[str]:
    cookies = []
    for uid in range(first_id, first_id + ADVOCATES * 997, 997):
        with httpx.Client(base_url=base, timeout=120) as client:
            token = CSRF.search(client.get("/login").text)
            if token is None:
                raise RuntimeError("no CSRF token on /login")
            response = client.post(
                "/login",
                data={
                    "csrf_token": token.group(1),
                    "email": f"advocate{uid}@bench.example",
                    "password": "bench-password",
                },
            )
            if response.status_code != 303:
                raise RuntimeError(f"sign-in failed: {response.text[:300]}")
            cookies.append(f"portal_session={client.cookies['portal_session']}")
    return cookies


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/portal_bench")
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
    prepare(args.database, args.ceiling_database, env)
    portal_port, ceiling_port = free_port(), free_port()
    portal = start(
        [str(BIN / "portal"), "run", "--port", str(portal_port), "--workers", "2"],
        env=env,
        cwd=args.code or HERE.parent,
        port=portal_port,
        health="/healthz",
    )
    ceiling_command = [sys.executable, "-m", "uvicorn", "app:app", "--port", str(ceiling_port)]
    ceiling_command += ["--workers", "2", "--loop", "uvloop", "--http", "httptools"]
    ceiling = start(
        [*ceiling_command, "--no-access-log"],
        env={**os.environ, "CEILING_PG_DSN": args.ceiling_database},
        cwd=CEILING,
        port=ceiling_port,
        health="/plain",
    )
    rows = []
    try:
        first_id = asyncio.run(first_bench_user(args.database))
        cookies = sign_in(f"http://127.0.0.1:{portal_port}", first_id)
        sys.path.insert(0, str(CEILING))
        os.environ["CEILING_PG_DSN"] = args.ceiling_database
        import app as ceiling_app

        ceiling_cookie = "Cookie: session=" + ceiling_app.make_session_cookie(
            {"uid": 1, "csrf": "x" * 43}
        )
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
            lua.write(LUA % ", ".join(f'"{c}"' for c in cookies))
        for page in PAGES:
            for _ in range(args.pairs if page == "/" else 1):
                before = loadavg()
                portal_rate, portal_p99 = wrk(
                    f"http://127.0.0.1:{portal_port}{page}", args.seconds, lua.name, []
                )
                ceiling_rate, ceiling_p99 = wrk(
                    f"http://127.0.0.1:{ceiling_port}/home",
                    args.seconds,
                    str(CEILING / "home.lua"),
                    [ceiling_cookie],
                )
                rows.append(
                    f"| `{page}` | {portal_rate:,.0f} | {portal_p99:,.0f} | {ceiling_rate:,.0f} "
                    f"| {ceiling_p99:,.0f} | **{portal_rate / ceiling_rate:.2f}x** "
                    f"| {before} → {loadavg()} |"
                )
                print(rows[-1], flush=True)
        memory = rss_mb(portal)
    finally:
        stop(portal)
        stop(ceiling)
    table = "\n".join(
        [
            f"{args.label}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
            f"`wrk -t2 -c50 --timeout 30s -d{args.seconds}s`, 2 workers each, "
            f"{ADVOCATES} advocates signed in; "
            f"portal worker RSS after the run: {' / '.join(f'{m} MB' for m in memory)}.",
            "",
            "| page | portal req/s | portal p99 ms | ceiling req/s | ceiling p99 ms | ratio "
            "| load average (1/5/15 min) |",
            "|---|---:|---:|---:|---:|---:|---|",
            *rows,
        ]
    )
    print(table)
    if not args.no_write:
        text = README.read_text()
        head, _, rest = text.partition(START)
        _, _, tail = rest.partition(END)
        README.write_text(f"{head}{START}\n{table}\n{END}{tail}")


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
