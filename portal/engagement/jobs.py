"""The engagement cron jobs. Each is a sweep over the database, so a missed run catches up,
and each email is claimed in `nudges` first, so a rerun or a second worker sends nothing twice."""

from arq import cron

from portal.clock import utcnow
from portal.engagement import sequences, service
from portal.jobs import JobContext, unit_of_work


async def send_onboarding(ctx: JobContext) -> int:
    async with unit_of_work(ctx) as session:
        return await sequences.send_onboarding(session, now=utcnow())


async def nudge_quiet_advocates(ctx: JobContext) -> int:
    async with unit_of_work(ctx) as session:
        return await sequences.nudge_quiet_advocates(session, now=utcnow())


async def send_weekly_digest(ctx: JobContext) -> int:
    async with unit_of_work(ctx) as session:
        return await service.send_weekly_digest(session, now=utcnow())


async def remind_challenges_ending(ctx: JobContext) -> int:
    async with unit_of_work(ctx) as session:
        return await service.remind_challenges_ending(session, now=utcnow())


FUNCTIONS: list[object] = []
CRON_JOBS = [
    cron(send_onboarding, minute={20}),
    cron(nudge_quiet_advocates, hour={10}, minute={0}),
    cron(send_weekly_digest, weekday="mon", hour={8}, minute={0}),
    cron(remind_challenges_ending, minute={40}),
]
