from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.models import AuditEntry
from portal.errors import PortalError
from portal.points import service as points
from portal.points.models import EntryKind, LedgerEntry, Period, PeriodTotal
from tests.factories import make_advocate, make_marketer


async def give_points(session: AsyncSession, user, amount: int, key: str = "gift") -> LedgerEntry:
    return await points.award(
        session, user, points=amount, reason="Welcome gift", key=f"{key}:{user.id}"
    )


async def test_award_writes_one_row_and_raises_both_balances(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    entry = await points.award(
        session,
        advocate,
        points=50,
        reason="Wrote a review",
        key="submission:1:approved",
        source=points.Source("submission", 1),
    )
    assert (entry.kind, entry.delta, entry.balance_after) == (EntryKind.AWARD, 50, 50)
    assert (entry.source_type, entry.source_id) == ("submission", 1)
    balance = await points.balance_of(session, advocate)
    assert (balance.current, balance.lifetime) == (50, 50)


async def test_same_key_twice_is_one_entry(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    first = await points.award(
        session, advocate, points=10, reason="Review", key="submission:7:approved"
    )
    again = await points.award(
        session, advocate, points=10, reason="Review", key="submission:7:approved"
    )
    assert again.id == first.id
    assert (await points.balance_of(session, advocate)).current == 10
    count = await session.scalar(select(func.count()).select_from(LedgerEntry))
    assert count == 1


async def test_a_key_reused_for_something_else_is_a_bug_not_a_replay(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    await points.award(session, advocate, points=10, reason="Review", key="submission:8:approved")
    with pytest.raises(points.IdempotencyConflict):
        await points.award(
            session, advocate, points=99, reason="Review", key="submission:8:approved"
        )


async def test_spend_more_than_balance_is_refused_and_writes_nothing(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    await give_points(session, advocate, 30)
    with pytest.raises(points.InsufficientPoints) as refused:
        await points.spend(session, advocate, points=50, reason="Hoodie", key="redemption:1:spend")
    assert "needs 50 points and the balance is 30" in refused.value.message
    assert (await points.balance_of(session, advocate)).current == 30
    assert [e.delta for e in await points.history(session, advocate)] == [30]


async def test_spend_and_refund_move_current_but_not_lifetime(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    await give_points(session, advocate, 100)
    await points.spend(session, advocate, points=80, reason="Hoodie", key="redemption:2:spend")
    after_spend = await points.balance_of(session, advocate)
    assert (after_spend.current, after_spend.lifetime) == (20, 100)
    await points.refund(
        session, advocate, points=80, reason="Hoodie cancelled", key="redemption:2:refund"
    )
    balance = await points.balance_of(session, advocate)
    assert (balance.current, balance.lifetime) == (100, 100)


async def test_adjust_counts_toward_lifetime_only_when_asked_and_is_audited(
    session: AsyncSession,
) -> None:
    advocate = await make_advocate(session)
    marketer = await make_marketer(session)
    await points.adjust(
        session,
        advocate,
        points=40,
        reason="Conference talk",
        key="adjust:a",
        actor=marketer,
        counts_toward_lifetime=True,
    )
    await points.adjust(
        session, advocate, points=-15, reason="Duplicate award", key="adjust:b", actor=marketer
    )
    balance = await points.balance_of(session, advocate)
    assert (balance.current, balance.lifetime) == (25, 40)
    entries = list(
        await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "points.adjusted").order_by(AuditEntry.id)
        )
    )
    assert [e.after for e in entries] == [
        {"current": 40, "lifetime": 40},
        {"current": 25, "lifetime": 40},
    ]
    assert entries[1].before == {"current": 40, "lifetime": 40}


async def test_a_negative_adjustment_beyond_the_balance_is_refused(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    await give_points(session, advocate, 10)
    with pytest.raises(points.InsufficientPoints):
        await points.adjust(
            session,
            advocate,
            points=-11,
            reason="Oops",
            key="adjust:c",
            actor=await make_marketer(session),
        )
    assert (await points.balance_of(session, advocate)).current == 10


async def test_an_adjustment_needs_a_reason_and_a_non_zero_amount(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    marketer = await make_marketer(session)
    with pytest.raises(PortalError, match="Say why"):
        await points.adjust(
            session, advocate, points=5, reason="  ", key="adjust:d", actor=marketer
        )
    with pytest.raises(PortalError, match="at least one point"):
        await points.adjust(session, advocate, points=0, reason="x", key="adjust:e", actor=marketer)


async def test_earned_points_go_into_this_week_and_this_month(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    await give_points(session, advocate, 70, key="a")
    await give_points(session, advocate, 30, key="b")
    await points.spend(session, advocate, points=50, reason="Mug", key="redemption:3:spend")
    totals = dict(
        (
            await session.execute(
                select(PeriodTotal.period, PeriodTotal.points).where(
                    PeriodTotal.user_id == advocate.id
                )
            )
        ).all()
    )
    assert totals == {Period.WEEK: 100, Period.MONTH: 100}


async def test_history_pages_newest_first(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    for n in range(5):
        await give_points(session, advocate, n + 1, key=f"h{n}")
    first_page = await points.history(session, advocate, limit=3)
    assert [e.delta for e in first_page] == [5, 4, 3]
    rest = await points.history(session, advocate, before_id=first_page[-1].id, limit=3)
    assert [e.delta for e in rest] == [2, 1]


async def test_reconcile_finds_nothing_when_the_ledger_and_balances_agree(
    session: AsyncSession,
) -> None:
    advocate = await make_advocate(session)
    await give_points(session, advocate, 100)
    await points.spend(session, advocate, points=40, reason="Mug", key="redemption:4:spend")
    assert await points.reconcile_balances(session) == []


async def test_a_replayed_spend_returns_the_first_entry_even_when_the_balance_is_spent(
    session: AsyncSession,
) -> None:
    advocate = await make_advocate(session)
    await give_points(session, advocate, 100)
    first = await points.spend(session, advocate, points=80, reason="Hoodie", key="redemption:9")
    again = await points.spend(session, advocate, points=80, reason="Hoodie", key="redemption:9")
    assert again.id == first.id
    assert (await points.balance_of(session, advocate)).current == 20


async def test_an_adjustment_tells_the_advocate_in_their_bell(session: AsyncSession) -> None:
    from portal.notifications.models import Notification

    advocate = await make_advocate(session)
    await points.adjust(
        session,
        advocate,
        points=40,
        reason="Conference talk",
        key="adjust:n",
        actor=await make_marketer(session),
    )
    note = await session.scalar(select(Notification).where(Notification.user_id == advocate.id))
    assert note.title == "+40 points: Conference talk"
    assert note.body == "Your balance is now 40."


async def test_an_award_is_three_statements_on_postgresql(session: AsyncSession) -> None:
    """Issue 24: a later award of a person's day and week sends the balance UPDATE, the
    ledger INSERT and, on PostgreSQL, every total beside them in one statement (SQLite, with
    no round trips to save, keeps one statement per total). Reactions to the award (the
    webhook subscriptions' lookup) are not the ledger's and not counted."""
    ada = await make_advocate(session)
    await give_points(session, ada, 10, key="first")  # the day's and week's first award
    statements: list[str] = []

    def sent(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        statements.append(statement)

    engine = (await session.connection()).engine.sync_engine
    event.listen(engine, "before_cursor_execute", sent)
    try:
        await give_points(session, ada, 10, key="second")
    finally:
        event.remove(engine, "before_cursor_execute", sent)
    ledger = [s for s in statements if "points_" in s]
    postgresql = session.bind.dialect.name == "postgresql"  # type: ignore[union-attr]
    assert len(ledger) == (3 if postgresql else 7), ledger
    balance = await points.balance_of(session, ada)
    assert (balance.current, balance.lifetime) == (20, 20)
