"""Random sequences of movements (pending awards, releases, cancellations and clawbacks among
them) keep the ledger, the balances, what is owed and the daily totals (points moved, earned days,
earners per day, points issued per person per day and month) in step."""

from collections import defaultdict
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.people.models import User
from portal.points import service as points
from portal.points.models import (
    DAILY_SHARDS,
    DailyEarners,
    DailyTotal,
    EarnedDay,
    EntryKind,
    IssuedDay,
    IssuedMonth,
    LedgerEntry,
)
from tests.factories import make_advocate, make_marketer

OPERATIONS = [
    "award",
    "spend",
    "refund",
    "adjust",
    "replay",
    "pending",
    "release",
    "cancel",
    "reverse",
]
operations = st.lists(
    st.tuples(
        st.sampled_from(OPERATIONS),
        st.integers(min_value=-500, max_value=500).filter(bool),
        st.booleans(),
        st.integers(min_value=0, max_value=3),  # days ago, so the totals span several days
    ),
    min_size=1,
    max_size=30,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=operations)
async def test_balances_always_equal_the_sum_of_the_ledger(session: AsyncSession, steps) -> None:
    advocate = await make_advocate(session)
    marketer = await make_marketer(session)
    last_key = None
    for n, (operation, amount, counts, days_ago) in enumerate(steps):
        key = f"h:{advocate.id}:{n}"
        try:
            with clock.shifted(-timedelta(days=days_ago)):
                if operation == "award":
                    await points.award(session, advocate, points=abs(amount), reason="r", key=key)
                elif operation == "spend":
                    await points.spend(session, advocate, points=abs(amount), reason="r", key=key)
                elif operation == "refund":
                    await points.refund(session, advocate, points=abs(amount), reason="r", key=key)
                elif operation == "adjust":
                    await points.adjust(
                        session,
                        advocate,
                        points=amount,
                        reason="r",
                        key=key,
                        actor=marketer,
                        counts_toward_lifetime=counts,
                    )
                elif operation == "pending":
                    await points.award(
                        session, advocate, points=abs(amount), reason="r", key=key, review="look"
                    )
                elif operation in ("release", "cancel"):
                    waiting = await points.pending_entries(session, advocate)
                    if waiting:
                        chosen = waiting[abs(amount) % len(waiting)]
                        if operation == "release":
                            await points.release_pending(session, chosen.id, reason="ok")
                        else:
                            await points.cancel_pending(session, chosen.id, reason="no", actor=None)
                elif operation == "reverse":
                    awards = list(
                        await session.scalars(
                            select(LedgerEntry.idempotency_key).where(
                                LedgerEntry.user_id == advocate.id,
                                LedgerEntry.kind == EntryKind.AWARD,
                                LedgerEntry.original_id.is_(None),
                            )
                        )
                    )
                    if awards:
                        chosen_key = awards[abs(amount) % len(awards)]
                        await points.claw_back(session, keys=[chosen_key], reason="r", actor=None)
                elif last_key is not None:
                    earlier = await session.scalar(
                        select(LedgerEntry).where(LedgerEntry.idempotency_key == last_key)
                    )
                    replay = (
                        await points.award(
                            session, advocate, points=earlier.delta, reason="r", key=last_key
                        )
                        if earlier.kind == "award"
                        else earlier
                    )
                    assert replay.id == earlier.id
        except points.InsufficientPoints:
            pass
        else:
            if operation in ("award", "spend", "refund", "adjust"):
                last_key = key

        balance = await points.balance_of(session, advocate)
        total, earned = (
            await session.execute(
                select(
                    func.coalesce(func.sum(LedgerEntry.delta), 0),
                    func.coalesce(
                        func.sum(LedgerEntry.delta).filter(LedgerEntry.counts_toward_lifetime), 0
                    ),
                ).where(LedgerEntry.user_id == advocate.id, LedgerEntry.state == "posted")
            )
        ).one()
        assert balance.current == total
        assert balance.lifetime == earned
        assert balance.current >= 0
        assert (await points.waiting_of(session, advocate)).owed == await _owed(session, advocate)
        assert await _settled_twice(session) == 0
        newest = await points.history(session, advocate, limit=1)
        if newest:
            assert newest[0].balance_after == balance.current
    assert await _daily_totals(session) == await _daily_totals_from_the_ledger(session)


async def _owed(session: AsyncSession, advocate: User) -> int:
    """What clawbacks still owe, from the ledger alone: for each paid entry with a shortfall
    recorded (a pending `reverse` row), its points less the posted reversals naming it."""
    owed = 0
    shortfalls = await session.scalars(
        select(LedgerEntry.original_id).where(
            LedgerEntry.user_id == advocate.id,
            LedgerEntry.kind == EntryKind.REVERSE,
            LedgerEntry.state == "pending",
        )
    )
    for original_id in shortfalls.all():
        paid = await session.get(LedgerEntry, original_id)
        taken = await session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.delta), 0)).where(
                LedgerEntry.original_id == original_id,
                LedgerEntry.kind == EntryKind.REVERSE,
                LedgerEntry.state == "posted",
            )
        )
        owed += paid.delta + taken
    return owed


async def _settled_twice(session: AsyncSession) -> int:
    """Pending entries with more than one release or cancellation (never)."""
    settling = (
        select(LedgerEntry.original_id)
        .where(LedgerEntry.kind.in_([EntryKind.AWARD, EntryKind.CANCEL]))
        .where(LedgerEntry.original_id.is_not(None))
        .group_by(LedgerEntry.original_id)
        .having(func.count() > 1)
    )
    return len((await session.scalars(settling)).all())


async def _daily_totals(session: AsyncSession) -> tuple[dict, set, dict, dict, dict]:
    moved = {
        (row.day, row.kind, row.source_type, row.shard): (row.added, row.removed)
        for row in await session.scalars(select(DailyTotal))
    }
    earned = {(row.day, row.user_id) for row in await session.scalars(select(EarnedDay))}
    earners = {(r.day, r.shard): r.earners for r in await session.scalars(select(DailyEarners))}
    issued = {(r.day, r.user_id): r.points for r in await session.scalars(select(IssuedDay))}
    months = {(r.month, r.user_id): r.points for r in await session.scalars(select(IssuedMonth))}
    return moved, earned, earners, issued, months


async def _daily_totals_from_the_ledger(
    session: AsyncSession,
) -> tuple[dict, set, dict, dict, dict]:
    """What the totals must hold: the whole ledger (every example so far), summed in Python."""
    moved: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    earned = set()
    issued: dict[tuple, int] = defaultdict(int)
    for entry in await session.scalars(select(LedgerEntry).where(LedgerEntry.state == "posted")):
        day = entry.created_at.date()
        sums = moved[(day, entry.kind, entry.source_type or "", entry.user_id % DAILY_SHARDS)]
        sums[0 if entry.delta > 0 else 1] += entry.delta
        if entry.kind == "award":
            earned.add((day, entry.user_id))
        if entry.kind in ("award", "adjust") and entry.delta > 0:
            issued[(day, entry.user_id)] += entry.delta
    earners: dict[tuple, int] = defaultdict(int)
    for day, user_id in earned:
        earners[(day, user_id % DAILY_SHARDS)] += 1
    months: dict[tuple, int] = defaultdict(int)
    for (day, user_id), amount in issued.items():
        months[(day.replace(day=1), user_id)] += amount
    moved_totals = {key: tuple(sums) for key, sums in moved.items()}
    return moved_totals, earned, dict(earners), dict(issued), dict(months)
