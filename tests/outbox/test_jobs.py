"""The email sender on a real Redis (arq burst worker) and a real SMTP server (aiosmtpd)."""

from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from typing import Any

import aiosmtplib
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from portal import clock
from portal.config import Settings
from portal.jobs import ArqQueue, JobContext, take_pending
from portal.outbox import service as outbox
from portal.outbox.jobs import send_due_emails, send_email
from portal.outbox.models import EmailStatus, OutboxEmail
from tests.conftest import MailCatcher, free_port, joined_sessionmaker
from tests.jobs import run_burst_worker


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

    burst = await run_burst_worker(
        arq_redis, _context(settings, connection, queue), queue_name=queue_name
    )
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
    await run_burst_worker(arq_redis, context, queue_name=queue_name)
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


async def test_a_bad_row_between_two_good_ones_fails_with_its_error_and_the_sweep_goes_on(
    session: AsyncSession, connection: AsyncConnection, settings: Settings, smtp_server: MailCatcher
) -> None:
    settings.smtp_url = smtp_server.url
    first = await _queue_welcome(session, "one@example.com")
    bad = await _queue_welcome(session, "bad@example.com")
    last = await _queue_welcome(session, "three@example.com")
    bad.subject = "Welcome\r\nBcc: everyone@example.com"  # written before subjects were checked
    await session.commit()
    take_pending(session)
    context = _context(settings, connection, queue=None)

    assert await send_due_emails(context) == 2
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == [
        "one@example.com",
        "three@example.com",
    ]
    for email in (first, bad, last):
        await session.refresh(email)
    assert (first.status, last.status) == (EmailStatus.SENT, EmailStatus.SENT)
    assert bad.status == EmailStatus.FAILED  # it can never succeed: no retries
    assert bad.attempts == 1
    assert "cannot be built" in bad.last_error
    assert "line" in bad.last_error
    with clock.shifted(timedelta(days=1)):
        assert await send_due_emails(context) == 0


async def test_an_unexpected_error_while_sending_is_retried_with_backoff(
    session: AsyncSession,
    connection: AsyncConnection,
    settings: Settings,
    smtp_server: MailCatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.smtp_url = smtp_server.url
    email = await _queue_welcome(session)
    await session.commit()
    context = _context(settings, connection, queue=None)

    async def broken_send(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the TLS library fell over")

    monkeypatch.setattr(aiosmtplib, "send", broken_send)
    assert await send_email(context, email.id) is False
    await session.refresh(email)
    assert email.status == EmailStatus.PENDING
    assert email.last_error == "RuntimeError: the TLS library fell over"
    assert email.next_attempt_at - clock.utcnow() > timedelta(seconds=50)

    monkeypatch.undo()
    with clock.shifted(timedelta(minutes=2)):
        assert await send_due_emails(context) == 1
    await session.refresh(email)
    assert email.status == EmailStatus.SENT
    assert email.last_error is None


async def test_a_fault_outside_the_email_never_stops_the_sweep(
    session: AsyncSession,
    connection: AsyncConnection,
    settings: Settings,
    smtp_server: MailCatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.smtp_url = smtp_server.url
    emails = [await _queue_welcome(session, f"{n}@example.com") for n in ("one", "two", "three")]
    await session.commit()
    context = _context(settings, connection, queue=None)
    record_result = outbox.record_result

    async def failing_for_the_second(session: AsyncSession, email_id: int, failure: Any) -> None:
        if email_id == emails[1].id:
            raise RuntimeError("the database went away")
        await record_result(session, email_id, failure)

    monkeypatch.setattr(outbox, "record_result", failing_for_the_second)
    assert await send_due_emails(context) == 2
    assert len(smtp_server.messages) == 3
    await session.refresh(emails[2])
    assert emails[2].status == EmailStatus.SENT


async def test_an_email_whose_sender_always_dies_ends_failed_with_its_error(
    session: AsyncSession, connection: AsyncConnection, settings: Settings
) -> None:
    email = await _queue_welcome(session)
    await session.commit()
    for attempt in range(outbox.MAX_ATTEMPTS):  # each worker took it, then died mid-send
        with clock.shifted((outbox.SEND_LEASE + timedelta(seconds=1)) * attempt):
            assert await outbox.claim(session, email.id) is not None
        await session.commit()
    with clock.shifted((outbox.SEND_LEASE + timedelta(seconds=1)) * outbox.MAX_ATTEMPTS):
        assert await outbox.claim(session, email.id) is None
    await session.commit()
    await session.refresh(email)
    assert email.status == EmailStatus.FAILED
    assert email.last_error == "Gave up after 6 tries: the last stopped mid-send."


async def test_a_subject_with_a_line_break_is_refused_before_it_is_written(
    session: AsyncSession,
) -> None:
    with pytest.raises(outbox.UnsafeSubject) as refused:
        await outbox.queue_email(
            session,
            to="ada@example.com",
            subject="Hello\nBcc: everyone@example.com",
            kind="signup_approved",
            context={"name": "Ada", "link": "http://portal.test/login"},
        )
    assert refused.value.message == (
        "An email subject must be one line: it cannot contain a line break."
    )
    assert await session.scalar(select(OutboxEmail.id)) is None
    assert take_pending(session) == []


async def test_a_line_break_typed_into_a_subject_field_value_becomes_a_space(
    session: AsyncSession,
) -> None:
    email = await outbox.queue_email(
        session,
        to="rep@example.com",
        kind="referral_assigned",
        context={
            "name": "Sam",
            "prospect": "Grace\r\nBcc: everyone@example.com",
            "company": "Navy Labs",
            "email": "grace@navylabs.example",
            "link": "http://portal.test/pipeline/1",
        },
    )
    assert email is not None
    assert email.subject == "New referral for you: Grace Bcc: everyone@example.com"
