"""Nightly check that every balance still equals the sum of its ledger, the release of
pending points whose clearance date has come, and the expiry of points (when switched on)."""

import logging

from arq import cron, func

from portal.audit import service as audit
from portal.clock import utcnow
from portal.jobs import JobContext, unit_of_work
from portal.points import service
from portal.points.models import RescoreRun
from portal.points.service import rescore

log = logging.getLogger(__name__)


async def reconcile_balances(ctx: JobContext) -> int:
    """Reports drift (log and audit log); never changes a balance: a person decides the fix."""
    async with unit_of_work(ctx) as session:
        mismatches = await service.reconcile_balances(session)
        for mismatch in mismatches:
            log.error(
                "points balance of user %s disagrees with its ledger: %s",
                mismatch.user_id,
                mismatch,
            )
            await audit.record(
                session,
                actor=None,
                action="points.balance_mismatch",
                target_type="user",
                target_id=mismatch.user_id,
                summary="Balance disagrees with the ledger; left as it is for review",
                before={"current": mismatch.current, "lifetime": mismatch.lifetime},
                after={"current": mismatch.ledger_current, "lifetime": mismatch.ledger_lifetime},
            )
    return len(mismatches)


async def release_due_points(ctx: JobContext) -> int:
    """Pays pending points whose clearance date has come, in batches, each its own
    transaction; another worker running it at the same moment pays nothing twice."""
    paid = batch = 0
    while True:
        async with unit_of_work(ctx) as session:
            batch = await service.release_due(session, limit=RELEASE_BATCH)
        paid += batch
        if batch < RELEASE_BATCH:
            return paid


async def expire_points(ctx: JobContext) -> int:
    """Posts the expiries due (hourly, so points go at the start of their day in the program's
    zone), a batch of people per transaction; a rerun or a second worker expires nothing twice."""
    expired = batch = 0
    now = utcnow()
    while True:
        async with unit_of_work(ctx) as session:
            batch = await service.expire_due(session, now=now, limit=RELEASE_BATCH)
        expired += batch
        if batch < RELEASE_BATCH:
            return expired


async def rescore_points(ctx: JobContext, run_id: int) -> int:
    """Posts a rescoring run's adjustments, a batch of people per transaction (the run's page
    shows the progress); run twice, it adjusts nobody twice. The people adjusted."""
    after: int | None = 0
    while after is not None:
        async with unit_of_work(ctx) as session:
            after = await rescore.rescore_batch(session, run_id, after=after)
    async with unit_of_work(ctx) as session:
        return (await session.get_one(RescoreRun, run_id)).done


async def close_ended_seasons(ctx: JobContext) -> int:
    """Closes the seasons that have ended and awards their badges, each season in a
    transaction of its own; the badges awarded. Another worker running it at the same moment
    awards nothing twice (`close_season` claims the season first)."""
    async with unit_of_work(ctx) as session:
        due = await service.due_seasons(session, utcnow())
    awarded = 0
    for season_id in due:
        async with unit_of_work(ctx) as session:
            awarded += await service.close_season(session, season_id, utcnow()) or 0
    return awarded


RELEASE_BATCH = 500
FUNCTIONS = [func(rescore_points, max_tries=5, timeout=1800)]
CRON_JOBS = [
    cron(reconcile_balances, hour={2}, minute={30}),
    cron(release_due_points, minute={7, 37}),
    cron(expire_points, minute={3}),
    # Within five minutes of a season's end.
    cron(close_ended_seasons, minute=set(range(2, 60, 5))),
]
