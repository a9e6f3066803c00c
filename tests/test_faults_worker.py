"""A `portal worker` process killed in the middle of a job: the work is done again later, and
its effect happens once.

The job is `send_email`, stopped where it hurts most: the worker has claimed the email and is
talking to the SMTP server when it is killed (SIGKILL, no clean-up). The claim's lease then
keeps every other run off the email (arq, with `max_tries=1`, does not start the job again),
and once the lease runs out the outbox sweep sends it: one message, recorded as sent."""

import asyncio
import os
import sys
import threading
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio
from aiosmtpd.controller import Controller
from arq.constants import in_progress_key_prefix
from sqlalchemy.ext.asyncio import AsyncEngine

from portal import clock
from portal.config import Settings
from portal.db import create_sessionmaker
from portal.jobs import ArqQueue, JobContext, take_pending
from portal.outbox import service as outbox
from portal.outbox.jobs import send_due_emails, send_email
from portal.outbox.models import EmailStatus, OutboxEmail
from tests.conftest import REDIS_DB, REDIS_HOST, REDIS_PORT, free_port
from tests.jobs import run_burst_worker
from tests.test_faults_redis import WAIT, wait_for

SECRET = "test-secret-key-that-is-long-enough-for-signing"


class StallingServer:
    """An SMTP server whose first delivery hangs after the message arrived, before the
    server's answer, until the test releases it; later deliveries are accepted."""

    def __init__(self) -> None:
        self.port = free_port()
        self.stalled = threading.Event()
        self.released = threading.Event()  # the server runs in a thread of its own
        self.accepted: list[Any] = []

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not self.stalled.is_set():
            self.stalled.set()
            await asyncio.to_thread(self.released.wait, WAIT)
            return "451 4.3.0 The client went away"
        self.accepted.append(envelope)
        return "250 Message accepted for delivery"


@pytest_asyncio.fixture
async def stalling_smtp() -> AsyncIterator[StallingServer]:
    server = StallingServer()
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    try:
        yield server
    finally:
        server.released.set()
        controller.stop()


async def start_worker(database_url: str, smtp_url: str, var_dir: Path) -> Any:
    """`portal worker`, as an operator runs it, in a process of its own."""
    env = {
        **os.environ,
        "PORTAL_ENV": "test",
        "VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
        "SMTP_URL": smtp_url,
        "SECRET_KEY": SECRET,
        "BASE_URL": "http://portal.test",
    }
    return await asyncio.create_subprocess_exec(
        *(sys.executable, "-c", "from portal.cli import main; main()", "worker"),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def test_a_worker_killed_mid_send_leaves_the_email_to_be_sent_once(
    committed_engine: AsyncEngine,
    arq_redis: Any,
    stalling_smtp: StallingServer,
    tmp_path: Path,
) -> None:
    database_url = committed_engine.url.render_as_string(hide_password=False)
    sessionmaker = create_sessionmaker(committed_engine)
    async with sessionmaker() as session:
        email = await outbox.queue_email(
            session,
            to="ada@example.com",
            kind="signup_approved",
            subject="Welcome",
            context={"name": "Ada", "link": "http://portal.test/login"},
        )
        assert email is not None
        await session.commit()
        await ArqQueue(arq_redis).send(take_pending(session))

    worker = await start_worker(database_url, stalling_smtp.url, tmp_path)
    try:
        await wait_for(stalling_smtp.stalled.is_set, "the worker to be mid-send")
    finally:
        worker.kill()
        await worker.wait()
    stalling_smtp.released.set()

    async def row() -> OutboxEmail:
        async with sessionmaker() as session:
            found = await session.get(OutboxEmail, email.id)
            assert found is not None
            return found

    killed = await row()
    assert (killed.status, killed.attempts) == (EmailStatus.SENDING, 1)
    assert stalling_smtp.accepted == []

    settings = Settings(
        portal_env="test",
        var_dir=tmp_path,
        database_url=database_url,
        smtp_url=stalling_smtp.url,
        secret_key=SECRET,  # type: ignore[arg-type]
        base_url="http://portal.test",
    )
    context: JobContext = {
        "settings": settings,
        "sessionmaker": sessionmaker,
        "job_queue": ArqQueue(arq_redis),
    }
    # arq picks the job up again once its in-progress key expires (here: now); one try only.
    await arq_redis.delete(in_progress_key_prefix + f"send_email:{email.id}")
    await run_burst_worker(arq_redis, context)
    assert await send_due_emails(context) == 0  # the lease still holds
    assert stalling_smtp.accepted == []

    with clock.shifted(outbox.SEND_LEASE + timedelta(seconds=1)):
        assert await send_due_emails(context) == 1
        assert await send_due_emails(context) == 0
        assert await send_email(context, email.id) is False
    assert [m.rcpt_tos for m in stalling_smtp.accepted] == [["ada@example.com"]]
    sent = await row()
    assert (sent.status, sent.attempts) == (EmailStatus.SENT, 2)
