"""Pending points: held by a clearance window or for review, released by the job (clock stepped),
by staff or by a trust rule, cancelled; clawbacks with and without enough balance; earn caps."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.errors import NotFound
from portal.people.models import User
from portal.points import service as points
from portal.points.models import Balance, EntryKind, EntryState, LedgerEntry, PeriodTotal
from portal.points.service import earning
from tests.factories import make_advocate, make_marketer

REFERRAL = points.Source("referral", 1)


async def _rules(session: AsyncSession, **changes: int) -> None:
    await points.save_rules(session, actor=await make_marketer(session), **changes)


async def _balance(session: AsyncSession, user: User) -> tuple[int, int, int]:
    row = (
        await session.execute(
            select(Balance.current, Balance.lifetime, Balance.owed).where(
                Balance.user_id == user.id
            )
        )
    ).one()
    return tuple(row)  # type: ignore[return-value]


async def test_a_window_holds_the_points_until_its_date_then_the_job_pays_them_once(
    session: AsyncSession,
) -> None:
    await _rules(session, clear_referral_won_days=30)
    ada = await make_advocate(session)
    entry = await points.award(
        session,
        ada,
        points=1000,
        reason="Won",
        key="won:1",
        source=REFERRAL,
        earning=points.Earning.REFERRAL_WON,
    )
    assert entry.state == EntryState.PENDING
    assert entry.pending_until is not None
    assert await _balance(session, ada) == (0, 0, 0)
    assert (await points.waiting_of(session, ada)).pending == 1000
    standing = (await points.standings(session, [entry]))[entry.id]
    assert standing.label == f"pending until {entry.pending_until:%-d %b}"
    assert standing.waiting
    assert await session.scalar(select(func.count()).select_from(PeriodTotal)) == 0

    assert await points.release_due(session) == 0  # not yet
    with clock.shifted(timedelta(days=30, minutes=1)):
        assert await points.release_due(session) == 1
        assert await points.release_due(session) == 0  # the second run finds nothing
        # A worker that read the entry before the first run settled it pays nothing more.
        again = await earning.release(session, entry, actor=None)
    assert again.original_id == entry.id
    assert await _balance(session, ada) == (1000, 1000, 0)
    assert (await points.waiting_of(session, ada)).pending == 0
    assert (await points.standings(session, [entry]))[entry.id].label.startswith("released")
    assert await points.reconcile_balances(session) == []


async def test_staff_release_or_cancel_pending_review_and_never_their_own(
    session: AsyncSession,
) -> None:
    ada = await make_advocate(session)
    marketer = await make_marketer(session)
    held = await points.award(session, ada, points=50, reason="R", key="r:1", review="Flagged")
    other = await points.award(session, ada, points=70, reason="S", key="r:2", review="Flagged")
    assert [item.entry.id for item in await points.review_queue(session)] == [held.id, other.id]
    assert (await points.standings(session, [held]))[held.id].label == "pending review"

    with pytest.raises(points.OwnPendingPoints):
        await points.release_pending(session, held.id, reason="mine", actor=ada)
    await points.release_pending(session, held.id, reason="Looks fine", actor=marketer)
    await points.cancel_pending(session, other.id, reason="Fake prospect", actor=marketer)
    assert await _balance(session, ada) == (50, 50, 0)
    assert await points.review_queue(session) == []
    cancelled = (await points.standings(session, [other]))[other.id]
    assert (cancelled.label, cancelled.note) == ("cancelled", "Fake prospect")
    with pytest.raises(NotFound):  # settled: neither can happen again
        await points.release_pending(session, other.id, reason="again", actor=marketer)
    # The advocate's list shows the pending rows (with their standing), never the cancel row.
    kinds = [e.kind for e in await points.history(session, ada)]
    assert EntryKind.CANCEL not in kinds
    assert await points.reconcile_balances(session) == []


async def test_a_trust_rule_releases_early_through_release_pending(session: AsyncSession) -> None:
    await _rules(session, clear_challenge_days=14)
    ada = await make_advocate(session)
    entry = await points.award(
        session, ada, points=40, reason="Entry", key="c:1", source=points.Source("submission", 9)
    )
    settled = await points.release_pending(session, entry.id, reason="Trusted advocate")
    assert (settled.kind, settled.state, settled.delta) == (EntryKind.AWARD, "posted", 40)
    assert await _balance(session, ada) == (40, 40, 0)


async def test_a_clawback_reverses_what_was_paid_and_cancels_what_is_pending(
    session: AsyncSession,
) -> None:
    ada = await make_advocate(session)
    await points.award(session, ada, points=50, reason="Sub", key="ref:1:sub", source=REFERRAL)
    await points.award(session, ada, points=200, reason="Q", key="ref:1:q", review="Flagged")
    clawed = await points.claw_back(
        session, keys=["ref:1:sub", "ref:1:q"], reason="Rejected", actor=None
    )
    assert (clawed.taken, clawed.cancelled, clawed.owed) == (50, 200, 0)
    assert await _balance(session, ada) == (0, 0, 0)
    reverse = await session.scalar(select(LedgerEntry).where(LedgerEntry.kind == "reverse"))
    assert reverse.delta == -50
    assert reverse.original_id is not None
    again = await points.claw_back(session, keys=["ref:1:sub", "ref:1:q"], reason="R", actor=None)
    assert again.total == 0  # idempotent
    assert await points.reconcile_balances(session) == []


async def test_a_clawback_the_balance_cannot_cover_is_owed_and_taken_from_later_awards(
    session: AsyncSession,
) -> None:
    ada = await make_advocate(session)
    await points.award(session, ada, points=300, reason="Won", key="ref:2:won", source=REFERRAL)
    await points.spend(session, ada, points=250, reason="Hoodie", key="spend:1")
    clawed = await points.claw_back(session, keys=["ref:2:won"], reason="Reversed", actor=None)
    assert (clawed.taken, clawed.owed) == (50, 250)
    # Never negative: the rest is owed. Lifetime drops by what is taken, as it is taken.
    assert await _balance(session, ada) == (0, 250, 250)
    assert (await points.waiting_of(session, ada)).owed == 250

    await points.award(session, ada, points=100, reason="Challenge", key="c:2")
    assert await _balance(session, ada) == (0, 250, 150)
    await points.award(session, ada, points=400, reason="Challenge", key="c:3")
    assert await _balance(session, ada) == (250, 500, 0)
    rows = await session.scalars(
        select(LedgerEntry.delta).where(
            LedgerEntry.kind == EntryKind.REVERSE, LedgerEntry.state == EntryState.POSTED
        )
    )
    assert sorted(rows) == [-150, -100, -50]
    assert await points.reconcile_balances(session) == []


async def test_an_award_over_a_cap_waits_for_review_and_is_not_lost(
    session: AsyncSession,
) -> None:
    await _rules(session, cap_day=100, cap_challenge_week=150)
    ada = await make_advocate(session)
    challenge = points.Source("submission", 1)
    first = await points.award(session, ada, points=80, reason="A", key="a", source=challenge)
    second = await points.award(session, ada, points=30, reason="B", key="b", source=challenge)
    assert first.state == EntryState.POSTED
    assert second.state == EntryState.PENDING
    assert second.pending_until is None
    assert second.hold_reason == "Over the daily earn cap of 100 points"
    staff = await points.award(session, ada, points=500, reason="Speaker", key="s")
    assert staff.state == EntryState.POSTED  # staff awards are never capped
    await _rules(session, cap_day=0, cap_challenge_week=150)
    content = points.Source("asset", 1)
    other_source = await points.award(session, ada, points=90, reason="D", key="d", source=content)
    third = await points.award(session, ada, points=80, reason="C", key="c", source=challenge)
    assert other_source.state == EntryState.POSTED  # content has no cap of its own
    assert third.hold_reason == "Over the weekly challenge earn cap of 150 points"
    await points.release_pending(
        session, second.id, reason="ok", actor=await make_marketer(session)
    )
    assert (await _balance(session, ada))[0] >= 80 + 30 + 500
    assert await points.reconcile_balances(session) == []
