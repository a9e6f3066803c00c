"""The weekly program summary, Monday morning: a sweep over the subscriptions, each claimed
for the week before its email is queued, so a rerun or a second worker sends nothing twice."""

from arq import cron

from portal.clock import utcnow
from portal.jobs import JobContext, unit_of_work
from portal.reports import summary


async def send_program_summary(ctx: JobContext) -> int:
    async with unit_of_work(ctx) as session:
        return await summary.send_program_summary(session, now=utcnow())


FUNCTIONS: list[object] = []
CRON_JOBS = [cron(send_program_summary, weekday="mon", hour={7}, minute={30})]
