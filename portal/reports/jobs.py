"""The weekly program summary, Monday morning in the program's zone: the job runs every hour and
the sweep sends when the program's clock shows the send hour (09:00 to 10:00). Each
subscription is claimed for the week before its email is queued, so a rerun or a second worker
sends nothing twice. The overview's sign-ups of settled days are rolled up again every hour
(`signups`)."""

from arq import cron

from portal import zones
from portal.clock import utcnow
from portal.jobs import JobContext, unit_of_work
from portal.reports import signups, summary


async def send_program_summary(ctx: JobContext) -> int:
    now = utcnow()
    async with unit_of_work(ctx) as session:
        return await summary.send_program_summary(
            session, now=now, send_hour_zones=zones.zones_in_hour(now)
        )


async def refresh_signup_days(ctx: JobContext) -> int:
    async with unit_of_work(ctx) as session:
        return await signups.refresh_signup_days(session, today=utcnow().date())


FUNCTIONS: list[object] = []
CRON_JOBS = [cron(send_program_summary, minute={30}), cron(refresh_signup_days, minute={20})]
