"""`portal run --workers 2` as an operator starts it: the two processes' metrics add up in
one scrape, and the JSON log lines carry each request's id and the process that answered."""

import json
import os
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from portal.config import Settings
from tests.conftest import REDIS_DB, REDIS_HOST, REDIS_PORT, free_port
from tests.operations.test_metrics import sample

PORTAL = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "portal"
TOKEN = "workers-scrape-token"
REQUESTS = 40
STARTUP_SECONDS = 60


def portal_env(var_dir: Path) -> dict[str, str]:
    """Our environment minus every portal setting, plus the server's own."""
    names = {name.upper() for name in Settings.model_fields}
    env = {key: value for key, value in os.environ.items() if key.upper() not in names}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(
        VAR_DIR=str(var_dir),
        DATABASE_URL=f"sqlite:///{var_dir / 'portal.sqlite3'}",
        SECRET_KEY=secrets.token_urlsafe(48),
        REDIS_URL=f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
        METRICS_TOKEN=TOKEN,
        LOG_FORMAT="json",
    )
    return env


@pytest.fixture
def two_workers(tmp_path: Path, arq_redis: object) -> Iterator[tuple[str, Path]]:
    env = portal_env(tmp_path)
    migrate = subprocess.run(  # noqa: S603 (our own console script)
        [str(PORTAL), "migrate"], env=env, capture_output=True, text=True, timeout=300
    )
    assert migrate.returncode == 0, migrate.stderr
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603
            [str(PORTAL), "run", "--workers", "2", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not answers(base_url):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield base_url, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def answers(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def test_two_workers_add_up_their_metrics_and_log_request_ids(
    two_workers: tuple[str, Path],
) -> None:
    base_url, log = two_workers

    def visit(_: int) -> str:
        # A connection of its own each time, so either worker may take it.
        response = httpx.get(f"{base_url}/login", timeout=30)
        assert response.status_code == 200
        return response.headers["x-request-id"]

    with ThreadPoolExecutor(8) as pool:
        request_ids = set(pool.map(visit, range(REQUESTS)))
    scrape = httpx.get(
        f"{base_url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
    )
    assert scrape.status_code == 200, scrape.text
    served = sample(scrape.text, "portal_http_requests_total", route="/login", status="200")
    time.sleep(0.5)  # the last access lines reach the log

    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    logins = [
        line for line in lines if line["logger"] == "uvicorn.access" and line["path"] == "/login"
    ]
    assert {line["request_id"] for line in logins} == request_ids
    assert {line["status"] for line in logins} == {200}
    answered_by = {line["pid"] for line in logins}
    assert len(answered_by) == 2, f"one worker answered every request: {answered_by}"
    assert served == REQUESTS  # the sum over both workers, whichever answered the scrape
