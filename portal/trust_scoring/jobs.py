"""The hourly trust refresh: account age moves a score without any event, and accounts from
before scoring get one (a batch an hour)."""

from arq import cron

from portal.jobs import JobContext, unit_of_work
from portal.trust_scoring import service


async def refresh_trust_scores(ctx: JobContext) -> int:
    async with unit_of_work(ctx) as session:
        return await service.refresh_due(session)


CRON_JOBS = [cron(refresh_trust_scores, minute={50})]
