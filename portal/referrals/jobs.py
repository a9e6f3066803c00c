"""Reminders to sales reps about open referrals that went quiet: the job runs every hour and
reaches the owners whose clock shows the send hour, so each reads it in their morning."""

from arq import cron

from portal import zones
from portal.clock import utcnow
from portal.jobs import JobContext, unit_of_work
from portal.referrals import service


async def remind_stale_referrals(ctx: JobContext) -> int:
    now = utcnow()
    async with unit_of_work(ctx) as session:
        return await service.remind_stale_referrals(
            session, send_hour_zones=zones.zones_in_hour(now)
        )


FUNCTIONS: list[object] = []
CRON_JOBS = [cron(remind_stale_referrals, minute={30})]
