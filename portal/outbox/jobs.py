"""Sending the outbox: one job per email right after its commit, and a sweep each minute that
retries what failed and catches anything a lost job missed."""

import logging

from arq import cron
from arq.worker import func

from portal import links
from portal.config import Settings
from portal.jobs import JobContext, unit_of_work
from portal.outbox import service

log = logging.getLogger(__name__)


async def _send(ctx: JobContext, email_id: int, server: service.SmtpServer) -> bool:
    message_domain = links.host()
    async with unit_of_work(ctx) as session:
        email = await service.claim(session, email_id)
    if email is None:
        return False  # already sent, being sent, or not due yet
    failure = await service.deliver(
        email, server=server, sender=ctx["settings"].mail_from, message_domain=message_domain
    )
    async with unit_of_work(ctx) as session:
        await service.record_result(session, email_id, failure)
    return failure is None


async def send_email(ctx: JobContext, email_id: int) -> bool:
    settings: Settings = ctx["settings"]
    if not settings.smtp_url:
        return False  # no SMTP: mail stays in the outbox for staff to read
    return await _send(ctx, email_id, service.SmtpServer.from_url(settings.smtp_url))


async def send_due_emails(ctx: JobContext) -> int:
    settings: Settings = ctx["settings"]
    if not settings.smtp_url:
        return 0
    server = service.SmtpServer.from_url(settings.smtp_url)  # a bad SMTP_URL claims nothing
    async with unit_of_work(ctx) as session:
        email_ids = await service.due_email_ids(session)
    sent = 0
    for email_id in email_ids:
        try:
            sent += await _send(ctx, email_id, server)
        except Exception:
            # A fault outside the email itself (the database, say): its lease runs out and a
            # later sweep tries it again; the emails after it go out now.
            log.exception("email %s: sending stopped", email_id)
    return sent


FUNCTIONS = [func(send_email, max_tries=1, timeout=120)]
CRON_JOBS = [cron(send_due_emails, second={0}, unique=True)]
