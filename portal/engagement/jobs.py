"""The engagement cron jobs. Each runs every hour and reaches the people whose clock shows the
send hour (09:00 to 10:00 in their zone, else the program's). Each is a sweep over the
database, so a missed run catches up, and each email is claimed in `nudges` first, so a rerun
or a second worker sends nothing twice."""

from arq import cron

from portal import zones
from portal.clock import utcnow
from portal.engagement import expiring, sequences, service
from portal.jobs import JobContext, unit_of_work


async def send_onboarding(ctx: JobContext) -> int:
    now = utcnow()
    async with unit_of_work(ctx) as session:
        return await sequences.send_onboarding(
            session, now=now, send_hour_zones=zones.zones_in_hour(now)
        )


async def nudge_quiet_advocates(ctx: JobContext) -> int:
    now = utcnow()
    async with unit_of_work(ctx) as session:
        return await sequences.nudge_quiet_advocates(
            session, now=now, send_hour_zones=zones.zones_in_hour(now)
        )


async def send_weekly_digest(ctx: JobContext) -> int:
    now = utcnow()
    async with unit_of_work(ctx) as session:
        return await service.send_weekly_digest(
            session, now=now, send_hour_zones=zones.zones_in_hour(now)
        )


async def remind_challenges_ending(ctx: JobContext) -> int:
    now = utcnow()
    async with unit_of_work(ctx) as session:
        return await service.remind_challenges_ending(
            session, now=now, send_hour_zones=zones.zones_in_hour(now)
        )


async def remind_points_expiring(ctx: JobContext) -> int:
    now = utcnow()
    async with unit_of_work(ctx) as session:
        return await expiring.remind_points_expiring(
            session, now=now, send_hour_zones=zones.zones_in_hour(now)
        )


FUNCTIONS: list[object] = []
# Hourly, at different minutes, so the sweeps of one hour don't start together.
CRON_JOBS = [
    cron(send_onboarding, minute={20}),
    cron(nudge_quiet_advocates, minute={0}),
    cron(send_weekly_digest, minute={10}),
    cron(remind_challenges_ending, minute={40}),
    cron(remind_points_expiring, minute={50}),
]
