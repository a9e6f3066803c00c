"""A bulk action on more people than one request should handle (more than INLINE_LIMIT): the
confirmation lists its people in one INSERT … SELECT, then jobs act on BATCH of them per
transaction, each person through the same rules as bulk.run_bulk. The run's page follows the
counts; a run whose batch job was lost is resumed by the sweep. Its action key (drawn with the
confirmation) makes confirming twice start one run, and a person's `handled` flag changes in
the transaction that acts on them, so a retried or duplicated batch acts on nobody twice."""

from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal.clock import utcnow
from portal.directory.bulk import (
    BATCH,
    BulkAction,
    BulkOutcome,
    BulkRequest,
    act_on_batch,
    record_outcome,
)
from portal.directory.models import BulkRun, BulkRunPerson, BulkRunStatus
from portal.errors import NotFound
from portal.jobs import enqueue
from portal.people.models import Group, User

INLINE_LIMIT = 500  # up to this many people act within the confirming request
STALLED_AFTER = timedelta(minutes=5)


async def start_run(
    session: AsyncSession,
    *,
    staff: User,
    request: BulkRequest,
    people: Select[Any],
    action_key: str,
    view: str,
) -> BulkRun:
    """Lists the people (ids from `people`) and queues the first batch; the run of this action
    key if it was already started."""
    existing = await session.scalar(select(BulkRun).where(BulkRun.action_key == action_key))
    if existing is not None:
        return existing
    run = BulkRun(
        staff_id=staff.id,
        action=request.action.value,
        group_id=request.group.id if request.group else None,
        points=request.points,
        reason=request.reason,
        action_key=action_key,
        view=view,
    )
    session.add(run)
    await session.flush()
    ids = people.subquery()
    await session.execute(
        insert(BulkRunPerson).from_select(
            ["bulk_run_id", "user_id"], select(bindparam("run_id", run.id), ids.c.id).distinct()
        )
    )
    run.total = (
        await session.scalar(select(func.count()).where(BulkRunPerson.bulk_run_id == run.id)) or 0
    )
    await session.flush()
    _queue_batch(session, run, step="start")
    return run


def _queue_batch(session: AsyncSession, run: BulkRun, *, step: str) -> None:
    job_id = f"people_bulk_batch:{run.id}:{step}"
    enqueue(session, "run_people_bulk_batch", bulk_run_id=run.id, job_id=job_id)


async def access_run(session: AsyncSession, run_id: int) -> BulkRun:
    run = await session.get(BulkRun, run_id)
    if run is None:
        raise NotFound()
    return run


async def run_next_batch(
    session: AsyncSession, *, bulk_run_id: int, size: int | None = None
) -> int:
    """Acts on the next `size` (BATCH) people not yet handled (locked as they are taken on
    PostgreSQL, so two workers share a run) and queues the batch after them, or finishes the
    run and writes its audit row. Returns how many people it handled."""
    run = await session.get(BulkRun, bulk_run_id)
    if run is None or run.status != BulkRunStatus.RUNNING:
        return 0
    waiting = (BulkRunPerson.bulk_run_id == run.id, BulkRunPerson.handled.is_(False))
    user_ids = list(
        await session.scalars(
            select(BulkRunPerson.user_id)
            .where(*waiting)
            .order_by(BulkRunPerson.user_id)
            .limit(size or BATCH)
            .with_for_update(skip_locked=True)
        )
    )
    staff = await session.scalar(
        select(User).where(User.id == run.staff_id).options(selectinload(User.roles))
    )
    request = await _request_of(session, run)
    outcome = BulkOutcome(request.action)
    if staff is None or (request.action.needs_group and request.group is None):
        outcome.skipped["the group or the person acting no longer exists"] += len(user_ids)
    elif user_ids:
        await act_on_batch(
            session,
            staff=staff,
            request=request,
            user_ids=user_ids,
            action_key=run.action_key,
            into=outcome,
        )
        outcome.skipped["no longer exists"] += (
            len(user_ids) - outcome.done - outcome.skipped.total()
        )
    await session.execute(
        update(BulkRunPerson)
        .where(BulkRunPerson.bulk_run_id == run.id, BulkRunPerson.user_id.in_(user_ids))
        .values(handled=True)
        .execution_options(synchronize_session=False)
    )
    run.done += outcome.done
    run.handled += len(user_ids)
    run.skipped = dict(Counter(run.skipped) + outcome.skipped)
    run.progressed_at = utcnow()
    if await session.scalar(select(exists().where(*waiting))):
        _queue_batch(session, run, step=f"after:{user_ids[-1] if user_ids else 0}")
    else:
        run.status = BulkRunStatus.DONE
        run.finished_at = utcnow()
        if staff is not None:
            await record_outcome(
                session, staff=staff, request=request, outcome=outcome_of(run), key=run.action_key
            )
    await session.flush()
    return len(user_ids)


async def _request_of(session: AsyncSession, run: BulkRun) -> BulkRequest:
    group = await session.get(Group, run.group_id) if run.group_id is not None else None
    return BulkRequest(BulkAction(run.action), group, run.points, run.reason)


def outcome_of(run: BulkRun) -> BulkOutcome:
    """The run's counts so far, worded as an inline bulk action's."""
    return BulkOutcome(BulkAction(run.action), run.done, +Counter(run.skipped))


async def resume_stalled_runs(session: AsyncSession) -> int:
    """Queues the next batch of every run with no batch for STALLED_AFTER (its job was lost);
    a batch that was only slow is harmless to queue again."""
    now = utcnow()
    stalled = list(
        await session.scalars(
            select(BulkRun).where(
                BulkRun.status == BulkRunStatus.RUNNING,
                BulkRun.progressed_at < now - STALLED_AFTER,
            )
        )
    )
    for run in stalled:
        run.progressed_at = now
        _queue_batch(session, run, step=f"resumed:{now.isoformat()}")
    return len(stalled)
