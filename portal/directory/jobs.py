"""The People table's bulk actions on a large set: a batch per job, and the sweep that resumes
a run whose batch job was lost."""

from arq import cron, func

from portal.directory import bulk_runs
from portal.jobs import JobContext, unit_of_work


async def run_people_bulk_batch(ctx: JobContext, bulk_run_id: int) -> int:
    async with unit_of_work(ctx) as session:
        return await bulk_runs.run_next_batch(session, bulk_run_id=bulk_run_id)


async def resume_stalled_people_bulk_runs(ctx: JobContext) -> int:
    async with unit_of_work(ctx) as session:
        return await bulk_runs.resume_stalled_runs(session)


FUNCTIONS = [func(run_people_bulk_batch, max_tries=5)]
CRON_JOBS = [cron(resume_stalled_people_bulk_runs, minute={6, 16, 26, 36, 46, 56})]
