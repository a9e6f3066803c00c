"""Sending the outbox: one job per email right after its commit, and a sweep each minute that
retries what failed and catches anything a lost job missed."""

from arq import cron
from arq.worker import func

from portal import links
from portal.config import Settings
from portal.jobs import JobContext, unit_of_work
from portal.outbox import service


async def send_email(ctx: JobContext, email_id: int) -> bool:
    settings: Settings = ctx["settings"]
    if not settings.smtp_url:
        return False  # no SMTP: mail stays in the outbox for admins to read
    async with unit_of_work(ctx) as session:
        email = await service.claim(session, email_id)
    if email is None:
        return False  # already sent, being sent, or not due yet
    error = await service.deliver(
        email,
        server=service.SmtpServer.from_url(settings.smtp_url),
        sender=settings.mail_from,
        message_domain=links.host(),
    )
    async with unit_of_work(ctx) as session:
        await service.record_result(session, email_id, error)
    return error is None


async def send_due_emails(ctx: JobContext) -> int:
    if not ctx["settings"].smtp_url:
        return 0
    async with unit_of_work(ctx) as session:
        email_ids = await service.due_email_ids(session)
    sent = 0
    for email_id in email_ids:
        sent += await send_email(ctx, email_id)
    return sent


FUNCTIONS = [func(send_email, max_tries=1, timeout=120)]
CRON_JOBS = [cron(send_due_emails, second={0}, unique=True)]
