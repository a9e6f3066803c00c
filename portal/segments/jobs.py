"""Keeping segments in step: one person's after a change of theirs, everyone's every 15
minutes (which also catches what no event announces, like a profile edit or time passing)."""

from arq import cron, func

from portal.jobs import JobContext, unit_of_work
from portal.segments import service


async def refresh_person_segments(ctx: JobContext, user_id: int) -> None:
    async with unit_of_work(ctx) as session:
        await service.refresh_person(session, user_id=user_id)


async def refresh_segments(ctx: JobContext) -> int:
    async with unit_of_work(ctx) as session:
        return await service.refresh_all_segments(session)


FUNCTIONS = [func(refresh_person_segments, max_tries=3)]
CRON_JOBS = [cron(refresh_segments, minute={1, 16, 31, 46})]
