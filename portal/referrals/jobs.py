"""Daily reminders to sales reps about open referrals that went quiet."""

from arq import cron

from portal.jobs import JobContext, unit_of_work
from portal.referrals import service


async def remind_stale_referrals(ctx: JobContext) -> int:
    async with unit_of_work(ctx) as session:
        return await service.remind_stale_referrals(session)


FUNCTIONS: list[object] = []
CRON_JOBS = [cron(remind_stale_referrals, hour={8}, minute={30})]
