"""The nightly reconciliation reports drift and changes nothing; the release job pays pending
points whose clearance date has come."""

from datetime import timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from portal import clock
from portal.audit.models import AuditEntry
from portal.config import Settings
from portal.jobs import ArqQueue
from portal.points import service as points
from portal.points.jobs import reconcile_balances, release_due_points
from tests.conftest import joined_sessionmaker
from tests.factories import make_advocate, make_marketer


async def test_reconcile_reports_a_balance_that_drifted_and_leaves_it(
    session: AsyncSession, connection: AsyncConnection, settings: Settings
) -> None:
    advocate = await make_advocate(session)
    await points.award(session, advocate, points=100, reason="r", key="k:1")
    # Drift that only a bug or a hand-made SQL change could cause (this test file is the one
    # deliberate exception to the ledger rule in tests/test_conventions.py).
    await session.execute(
        text("UPDATE points_balances SET current = 70 WHERE user_id = :id"), {"id": advocate.id}
    )
    await session.commit()
    context = {
        "settings": settings,
        "sessionmaker": joined_sessionmaker(connection),
        "job_queue": None,
    }

    assert await reconcile_balances(context) == 1
    entry = await session.scalar(
        select(AuditEntry).where(AuditEntry.action == "points.balance_mismatch")
    )
    assert entry.target_id == advocate.id
    assert entry.before == {"current": 70, "lifetime": 100}
    assert entry.after == {"current": 100, "lifetime": 100}
    assert (await points.balance_of(session, advocate)).current == 70  # reported, not fixed


async def test_reconcile_is_quiet_when_everything_adds_up(
    session: AsyncSession, connection: AsyncConnection, settings: Settings
) -> None:
    advocate = await make_advocate(session)
    await points.award(session, advocate, points=100, reason="r", key="k:2")
    await points.spend(session, advocate, points=30, reason="r", key="k:3")
    await session.commit()
    context = {
        "settings": settings,
        "sessionmaker": joined_sessionmaker(connection),
        "job_queue": None,
    }
    assert await reconcile_balances(context) == 0


async def test_the_release_job_pays_what_came_due_once_the_clock_reaches_it(
    session: AsyncSession,
    connection: AsyncConnection,
    settings: Settings,
    arq_redis: Any,
    queue_name: str,
) -> None:
    marketer = await make_marketer(session)
    await points.save_rules(session, actor=marketer, clear_challenge_days=7)
    advocate = await make_advocate(session)
    entry = points.Source("submission", 1)
    await points.award(session, advocate, points=60, reason="Entry", key="j:1", source=entry)
    await session.commit()
    context = {
        "settings": settings,
        "sessionmaker": joined_sessionmaker(connection),
        "job_queue": ArqQueue(arq_redis, queue_name=queue_name),
    }
    assert await release_due_points(context) == 0
    with clock.shifted(timedelta(days=7, seconds=1)):
        assert await release_due_points(context) == 1
        assert await release_due_points(context) == 0
    assert (await points.balance_of(session, advocate)).current == 60
