"""Forgetting public-form attempts once they are too old for the throttle and the counts."""

from arq import cron

from portal.guard import service
from portal.jobs import JobContext, unit_of_work


async def forget_old_form_attempts(ctx: JobContext) -> int:
    async with unit_of_work(ctx) as session:
        return await service.forget_old_attempts(session)


CRON_JOBS = [cron(forget_old_form_attempts, hour={3}, minute={40})]
