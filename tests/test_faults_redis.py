"""Redis stops while the portal serves: pages keep working, the jobs of committed requests wait
in the app and reach Redis once it is back (nothing lost), and a worker waits for Redis rather
than exiting. Runs a redis-server of its own on a free loopback port, so it can be stopped."""

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from arq import create_pool
from arq.connections import RedisSettings
from arq.worker import Worker, func
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from portal import worker
from portal.app import create_app
from portal.config import Settings
from portal.jobs import ArqQueue, JobContext
from portal.outbox.models import EmailStatus, OutboxEmail
from tests.conftest import MailCatcher, free_port, joined_sessionmaker, unavailable
from tests.factories import login_as, make_advocate, post_form
from tests.jobs import run_burst_worker

WAIT = 20.0  # seconds: an upper bound for each condition, never a pause


async def wait_for(condition: Any, what: str) -> None:
    """Polls `condition()` (sync or async) until it is true, failing after WAIT seconds."""
    deadline = asyncio.get_running_loop().time() + WAIT
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        await asyncio.sleep(0.05)


class RedisServer:
    """A redis-server of this test's own, without persistence (a restart starts empty, the
    hardest case: only what the app still holds can come back)."""

    def __init__(self, binary: str, directory: Path) -> None:
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *(self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""),
            *("--appendonly", "no", "--dir", str(self.directory)),
            stdout=asyncio.subprocess.DEVNULL,
        )
        await wait_for(self._answers, f"redis-server on port {self.port}")

    async def _answers(self) -> bool:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return False
        writer.close()
        return True

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await asyncio.wait_for(self.process.wait(), WAIT)
        self.process = None


@pytest_asyncio.fixture
async def own_redis(tmp_path: Path) -> AsyncIterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        unavailable("redis-server", "not installed (apt-get install redis-server)")
    server = RedisServer(str(binary), tmp_path)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def redis_settings(settings: Settings, own_redis: RedisServer) -> Settings:
    settings.redis_url = own_redis.url
    settings.jobs_inline = False
    return settings


async def test_pages_work_and_jobs_wait_while_redis_is_down(
    session: AsyncSession,
    connection: AsyncConnection,
    redis_settings: Settings,
    own_redis: RedisServer,
    smtp_server: MailCatcher,
) -> None:
    redis_settings.smtp_url = smtp_server.url
    advocate = await make_advocate(session)
    colleague = await make_advocate(session)
    app = create_app(redis_settings, sessionmaker=joined_sessionmaker(connection))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://portal.test"
        ) as client,
    ):
        await session.commit()
        await own_redis.stop()
        await login_as(client, advocate)
        assert (await client.get("/")).status_code == 200
        for person in (advocate, colleague):  # two reset requests: two jobs that must survive
            answer = await post_form(
                client, "/forgot-password", {"email": person.email}, page="/forgot-password"
            )
            assert answer.status_code == 200
        queue: ArqQueue = app.state.job_context["job_queue"].target
        assert [job.name for job in queue.waiting] == ["send_password_reset"] * 2

        await own_redis.start()  # empty: it kept nothing from before
        await wait_for(lambda: not queue.waiting, "the waiting jobs to reach Redis")

    pool = await create_pool(RedisSettings.from_dsn(own_redis.url))
    try:
        context: JobContext = {
            "settings": redis_settings,
            "sessionmaker": joined_sessionmaker(connection),
            "job_queue": ArqQueue(pool),
        }
        burst = await run_burst_worker(pool, context)
    finally:
        await pool.aclose()
    assert burst.jobs_complete == 4  # two resets, each writing its email and sending it
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == sorted(
        [advocate.email, colleague.email]
    )
    emails = list(
        await session.scalars(
            select(OutboxEmail).where(OutboxEmail.to_address.in_([advocate.email, colleague.email]))
        )
    )
    assert len(emails) == 2
    for email in emails:
        await session.refresh(email)
        assert email.status == EmailStatus.SENT


async def test_a_worker_waits_for_redis_and_carries_on(own_redis: RedisServer) -> None:
    """arq's worker on its own exits at the first refused connection; the portal's worker
    settings make it retry with backoff, so a job queued after Redis returns still runs."""
    ran: list[int] = []

    async def note(ctx: JobContext, n: int) -> None:
        ran.append(n)

    patient = Worker(
        functions=[func(note, name="note")],
        redis_settings=worker.patient_redis(own_redis.url),
        poll_delay=0.05,
        handle_signals=False,
    )
    running = asyncio.create_task(patient.main())
    pool = await create_pool(RedisSettings.from_dsn(own_redis.url))
    try:
        await pool.enqueue_job("note", 1)
        await wait_for(lambda: ran == [1], "the first job")
        await own_redis.stop()
        await asyncio.sleep(0.5)  # the outage spans ten of the worker's polls
        await own_redis.start()
        await pool.enqueue_job("note", 2)
        await wait_for(lambda: ran == [1, 2] or running.done(), "the job queued after the restart")
        assert not running.done(), running.exception()
        assert ran == [1, 2]
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await patient.pool.aclose(close_connection_pool=True)
        await pool.aclose()
