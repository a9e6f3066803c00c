"""The email sender on a real Redis (arq burst worker) and a real SMTP server (aiosmtpd)."""

from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from typing import Any

from arq.worker import Worker
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from portal import clock, worker
from portal.config import Settings
from portal.jobs import ArqQueue, JobContext, take_pending
from portal.outbox import service as outbox
from portal.outbox.jobs import send_due_emails, send_email
from portal.outbox.models import EmailStatus, OutboxEmail
from tests.conftest import MailCatcher, free_port, joined_sessionmaker


async def _queue_welcome(session: AsyncSession, to: str = "ada@example.com") -> OutboxEmail:
    return await outbox.queue_email(
        session,
        to=to,
        subject="Welcome aboard",
        kind="signup_approved",
        context={
            "name": "Ada",
            "program_name": "Acme Advocates",
            "link": "http://portal.test/login",
        },
    )


def _context(settings: Settings, connection: AsyncConnection, queue: Any) -> JobContext:
    return {
        "settings": settings,
        "sessionmaker": joined_sessionmaker(connection),
        "job_queue": queue,
    }


async def _run_burst_worker(arq_redis: Any, queue_name: str, context: JobContext) -> Worker:
    async def on_startup(ctx: JobContext) -> None:
        ctx.update(context)

    burst = Worker(
        functions=worker.FUNCTIONS,
        redis_pool=arq_redis,
        queue_name=queue_name,
        burst=True,
        poll_delay=0,
        max_jobs=1,  # the jobs share the test's one database connection
        handle_signals=False,
        on_startup=on_startup,
    )
    await burst.main()
    return burst


def _parsed(envelope: Any) -> Message:
    return message_from_bytes(envelope.original_content)


async def test_queued_email_is_sent_by_the_worker_after_the_commit(
    session: AsyncSession,
    connection: AsyncConnection,
    settings: Settings,
    smtp_server: MailCatcher,
    arq_redis: Any,
    queue_name: str,
) -> None:
    settings.smtp_url = smtp_server.url
    email = await _queue_welcome(session)
    await session.commit()
    queue = ArqQueue(arq_redis, queue_name=queue_name)
    await queue.send(take_pending(session))

    burst = await _run_burst_worker(arq_redis, queue_name, _context(settings, connection, queue))
    assert burst.jobs_complete == 1
    assert burst.jobs_failed == 0

    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == ["ada@example.com"]
    message = _parsed(envelope)
    assert message["Subject"] == "Welcome aboard"
    assert message.get_content_type() == "multipart/alternative"
    text, html = (part.get_payload(decode=True).decode() for part in message.get_payload())
    assert "http://portal.test/login" in text
    assert 'href="http://portal.test/login"' in html
    await session.refresh(email)
    assert email.status == EmailStatus.SENT
    assert email.sent_at is not None
    assert email.attempts == 1


async def test_a_job_run_twice_sends_the_email_once(
    session: AsyncSession,
    connection: AsyncConnection,
    settings: Settings,
    smtp_server: MailCatcher,
    arq_redis: Any,
    queue_name: str,
) -> None:
    settings.smtp_url = smtp_server.url
    email = await _queue_welcome(session)
    await session.commit()
    queue = ArqQueue(arq_redis, queue_name=queue_name)
    context = _context(settings, connection, queue)
    await arq_redis.enqueue_job("send_email", email_id=email.id, _queue_name=queue_name)
    await arq_redis.enqueue_job("send_email", email_id=email.id, _queue_name=queue_name)
    await _run_burst_worker(arq_redis, queue_name, context)
    assert await send_email(context, email.id) is False
    assert await send_due_emails(context) == 0
    assert len(smtp_server.messages) == 1


async def test_a_refused_email_is_retried_with_backoff_then_marked_failed(
    session: AsyncSession, connection: AsyncConnection, settings: Settings, smtp_server: MailCatcher
) -> None:
    settings.smtp_url = f"smtp://127.0.0.1:{free_port()}"  # nothing listens there
    email = await _queue_welcome(session)
    await session.commit()
    context = _context(settings, connection, queue=None)

    assert await send_email(context, email.id) is False
    await session.refresh(email)
    assert email.status == EmailStatus.PENDING
    assert email.attempts == 1
    assert email.last_error
    assert email.next_attempt_at - clock.utcnow() > timedelta(seconds=50)
    assert await send_due_emails(context) == 0  # not due yet

    for delay in outbox.RETRY_DELAYS:
        with clock.shifted(delay * 2 + timedelta(hours=24)):
            await send_due_emails(context)
    await session.refresh(email)
    assert email.status == EmailStatus.FAILED
    assert email.attempts == len(outbox.RETRY_DELAYS) + 1

    settings.smtp_url = smtp_server.url  # the server is back: a failed email stays failed
    with clock.shifted(timedelta(days=3)):
        assert await send_due_emails(context) == 0
    assert smtp_server.messages == []


async def test_the_sweep_sends_what_a_lost_job_missed(
    session: AsyncSession, connection: AsyncConnection, settings: Settings, smtp_server: MailCatcher
) -> None:
    settings.smtp_url = smtp_server.url
    first = await _queue_welcome(session, "one@example.com")
    second = await _queue_welcome(session, "two@example.com")
    await session.commit()
    take_pending(session)  # the jobs are lost: never sent to any queue
    context = _context(settings, connection, queue=None)
    assert await send_due_emails(context) == 2
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == [
        "one@example.com",
        "two@example.com",
    ]
    rows = await session.scalars(
        select(OutboxEmail)
        .where(OutboxEmail.id.in_([first.id, second.id]))
        .execution_options(populate_existing=True)
    )
    assert {row.status for row in rows} == {EmailStatus.SENT}


async def test_without_smtp_mail_stays_in_the_outbox(
    session: AsyncSession, connection: AsyncConnection, settings: Settings
) -> None:
    email = await _queue_welcome(session)
    await session.commit()
    context = _context(settings, connection, queue=None)
    assert await send_email(context, email.id) is False
    await session.refresh(email)
    assert email.status == EmailStatus.PENDING
    assert email.attempts == 0


def test_smtp_urls_are_read_with_their_tls_mode() -> None:
    plain = outbox.SmtpServer.from_url("smtp://user%40x:p%3Ass@mail.example:587")
    assert (plain.hostname, plain.port, plain.username, plain.password) == (
        "mail.example",
        587,
        "user@x",
        "p:ss",
    )
    assert plain.use_tls is False
    assert plain.start_tls is None
    implicit = outbox.SmtpServer.from_url("smtps://mail.example")
    assert implicit.use_tls is True
    assert implicit.port == 465
    assert outbox.SmtpServer.from_url("smtp://h:25?starttls=false").start_tls is False


async def test_an_email_whose_worker_died_mid_send_is_sent_after_the_lease(
    session: AsyncSession, connection: AsyncConnection, settings: Settings, smtp_server: MailCatcher
) -> None:
    settings.smtp_url = smtp_server.url
    email = await _queue_welcome(session)
    await session.commit()
    await outbox.claim(session, email.id)  # a worker took it, then died before sending
    await session.commit()
    context = _context(settings, connection, queue=None)
    assert await send_due_emails(context) == 0  # the lease still holds: nobody else sends it
    assert smtp_server.messages == []
    with clock.shifted(outbox.SEND_LEASE + timedelta(seconds=1)):
        assert await send_due_emails(context) == 1
    assert len(smtp_server.messages) == 1
    await session.refresh(email)
    assert email.status == EmailStatus.SENT
    assert email.attempts == 2
