"""Point expiry: lots paid on a day (program zone) expire N months later, first in, first out
against spends; reversals take from the lot they reverse, pending and cancelled rows count for
nothing; the `expire` rows are keyed so a rerun or a second worker expires nothing twice, and
lifetime points never move. Known answers, worked by hand in each test's comments."""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from portal import clock
from portal.config import Settings
from portal.db import create_sessionmaker
from portal.people.models import User
from portal.points import service as points
from portal.points.jobs import expire_points
from portal.points.models import EntryKind, LedgerEntry
from portal.points.service.expiry import Expiring, add_months, last_expired_day, remaining
from portal.program import service as program
from tests.conftest import joined_sessionmaker
from tests.factories import make_advocate, make_marketer

BERLIN = "Europe/Berlin"


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    with clock.shifted(moment - datetime.now(UTC)):
        yield


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


async def _switch_on(session: AsyncSession, months: int, moment: datetime) -> None:
    await program.update(session, actor=None, time_zone=BERLIN)
    with at(moment):
        await points.save_rules(
            session, actor=await make_marketer(session), expire_after_months=months
        )


async def _expire(session: AsyncSession, moment: datetime) -> int:
    with at(moment):
        return await points.expire_due(session, now=clock.utcnow())


async def _soon(session: AsyncSession, user: User, moment: datetime) -> Expiring | None:
    with at(moment):
        return await points.expiring_soon(session, user, now=clock.utcnow())


async def _award(
    session: AsyncSession, user: User, amount: int, key: str, moment: datetime
) -> LedgerEntry:
    with at(moment):
        return await points.award(session, user, points=amount, reason="r", key=key)


async def _expired(session: AsyncSession, user: User) -> list[int]:
    rows = await session.scalars(
        select(LedgerEntry.delta)
        .where(LedgerEntry.user_id == user.id, LedgerEntry.kind == EntryKind.EXPIRE)
        .order_by(LedgerEntry.id)
    )
    return list(rows)


async def _sums_agree(session: AsyncSession, user: User) -> None:
    total = await session.scalar(
        select(func.sum(LedgerEntry.delta)).where(
            LedgerEntry.user_id == user.id, LedgerEntry.state == "posted"
        )
    )
    assert (await points.balance_of(session, user)).current == total
    assert await points.reconcile_balances(session) == []


def test_months_are_added_as_a_calendar_does_the_31st_falling_back() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    # On 28 Feb, 1 month: everything paid up to 31 Jan has expired (all of January maps there).
    assert last_expired_day(date(2026, 2, 28), 1) == date(2026, 1, 31)
    assert last_expired_day(date(2026, 3, 30), 1) == date(2026, 2, 28)
    assert last_expired_day(date(2026, 3, 15), 2) == date(2026, 1, 15)


def test_what_is_left_of_each_lot_after_the_oldest_went_first() -> None:
    lots = [(date(2026, 1, 10), 100), (date(2026, 2, 10), 50), (date(2026, 3, 10), 80)]
    assert remaining(lots, taken=130, months=3) == {date(2026, 5, 10): 20, date(2026, 6, 10): 80}
    assert remaining(lots, taken=0, months=1)[date(2026, 2, 10)] == 100
    assert remaining(lots, taken=230, months=3) == {}


async def test_off_by_default_nothing_expires(session: AsyncSession) -> None:
    ada = await make_advocate(session)
    await _award(session, ada, 100, "old", utc(2024, 1, 1, 12))
    assert await _expire(session, utc(2026, 1, 1, 12)) == 0
    assert await _soon(session, ada, utc(2026, 1, 1, 12)) is None
    assert (await points.balance_of(session, ada)).current == 100


async def test_fifo_against_partial_spends_expires_what_is_left_of_each_month(
    session: AsyncSession,
) -> None:
    ada = await make_advocate(session)
    await _switch_on(session, 3, utc(2026, 1, 1, 12))
    await _award(session, ada, 100, "jan", utc(2026, 1, 10, 12))
    await _award(session, ada, 50, "feb", utc(2026, 2, 10, 12))
    await _award(session, ada, 80, "mar", utc(2026, 3, 10, 12))
    with at(utc(2026, 3, 20, 12)):
        await points.spend(
            session, ada, points=120, reason="Mug", key="s1"
        )  # all of Jan, 20 of Feb
    with at(utc(2026, 3, 25, 12)):
        await points.adjust(
            session,
            ada,
            points=-10,
            reason="Fix",
            key="a1",
            actor=await make_marketer(session),
            counts_toward_lifetime=False,
        )  # 10 more of Feb: 20 of it left
    # 10 April: January's lot is gone already (spent); 5 April: nothing within 30 days.
    assert await _soon(session, ada, utc(2026, 4, 5, 12)) is None
    assert await _expire(session, utc(2026, 4, 10, 12)) == 0
    assert await _soon(session, ada, utc(2026, 4, 15, 12)) == Expiring(20, date(2026, 5, 10))
    # 10 May, 00:00 Berlin is 9 May 22:00 UTC.
    assert await _expire(session, utc(2026, 5, 9, 21, 59)) == 0
    assert await _expire(session, utc(2026, 5, 9, 22, 1)) == 1
    assert await _expire(session, utc(2026, 5, 9, 23)) == 0  # run again: nothing left to expire
    assert await _expired(session, ada) == [-20]
    assert await _soon(session, ada, utc(2026, 5, 20, 12)) == Expiring(80, date(2026, 6, 10))
    assert await _expire(session, utc(2026, 6, 10, 12)) == 1
    balance = await points.balance_of(session, ada)
    assert (balance.current, balance.lifetime) == (0, 230)  # lifetime (and the level) untouched
    assert await _expired(session, ada) == [-20, -80]
    await _sums_agree(session, ada)


async def test_points_paid_before_expiry_was_switched_on_count_from_that_day(
    session: AsyncSession,
) -> None:
    ada = await make_advocate(session)
    await _award(session, ada, 70, "old", utc(2025, 6, 1, 12))
    await _switch_on(session, 2, utc(2026, 1, 15, 12))
    assert await _expire(session, utc(2026, 1, 16, 12)) == 0  # no surprise on switching on
    assert await _soon(session, ada, utc(2026, 2, 20, 12)) == Expiring(70, date(2026, 3, 15))
    assert await _expire(session, utc(2026, 3, 15, 12)) == 1
    assert await _expired(session, ada) == [-70]


async def test_reversed_and_cancelled_points_never_expire(session: AsyncSession) -> None:
    ada = await make_advocate(session)
    marketer = await make_marketer(session)
    await _switch_on(session, 3, utc(2026, 1, 1, 12))
    won = points.Source("referral", 7)
    with at(utc(2026, 1, 10, 12)):
        await points.award(session, ada, points=100, reason="Won", key="ref:7:won", source=won)
    await _award(session, ada, 50, "feb", utc(2026, 2, 10, 12))
    with at(utc(2026, 1, 20, 12)):  # held for review, then cancelled: never paid
        held = await points.award(
            session, ada, points=70, reason="Flagged", key="f", review="check"
        )
        await points.cancel_pending(session, held.id, reason="Not valid", actor=marketer)
    with at(utc(2026, 3, 1, 12)):  # the January deal is taken back: its lot is empty
        clawed = await points.claw_back(session, keys=["ref:7:won"], reason="Lost", actor=None)
    assert clawed.taken == 100
    assert await _expire(session, utc(2026, 4, 10, 12)) == 0
    assert await _soon(session, ada, utc(2026, 4, 20, 12)) == Expiring(50, date(2026, 5, 10))
    assert await _expire(session, utc(2026, 5, 10, 12)) == 1
    assert await _expired(session, ada) == [-50]
    await _sums_agree(session, ada)


async def test_the_day_is_the_programs_a_late_evening_award_in_utc_is_next_day_in_berlin(
    session: AsyncSession,
) -> None:
    ada = await make_advocate(session)
    bea = await make_advocate(session)
    await _switch_on(session, 1, utc(2026, 1, 1, 12))
    await _award(session, ada, 10, "a", utc(2026, 1, 31, 22, 30))  # 31 Jan, 23:30 in Berlin
    await _award(session, bea, 20, "b", utc(2026, 1, 31, 23, 30))  # 1 Feb, 00:30 in Berlin
    assert await _soon(session, ada, utc(2026, 2, 1, 12)) == Expiring(10, date(2026, 2, 28))
    assert await _soon(session, bea, utc(2026, 2, 1, 12)) == Expiring(20, date(2026, 3, 1))
    assert await _expire(session, utc(2026, 2, 27, 22, 59)) == 0  # 27 Feb, 23:59 in Berlin
    assert await _expire(session, utc(2026, 2, 27, 23, 1)) == 1  # 28 Feb in Berlin: ada's
    assert await _expire(session, utc(2026, 2, 28, 22, 59)) == 0
    assert await _expire(session, utc(2026, 2, 28, 23, 1)) == 1  # 1 Mar in Berlin: bea's
    assert (await _expired(session, ada), await _expired(session, bea)) == ([-10], [-20])


async def test_the_job_run_twice_expires_once(
    session: AsyncSession, connection: AsyncConnection, settings: Settings
) -> None:
    ada = await make_advocate(session)
    await _switch_on(session, 1, utc(2026, 1, 1, 12))
    await _award(session, ada, 40, "a", utc(2026, 1, 5, 12))
    await session.commit()
    context = {
        "settings": settings,
        "sessionmaker": joined_sessionmaker(connection),
        "job_queue": None,
    }
    with at(utc(2026, 2, 6, 12)):
        assert await expire_points(context) == 1
        assert await expire_points(context) == 0
    assert await _expired(session, ada) == [-40]


async def test_two_workers_at_once_post_one_expiry(committed_engine: AsyncEngine) -> None:
    sessionmaker = create_sessionmaker(committed_engine)
    async with sessionmaker() as session:
        ada = await make_advocate(session)
        await _switch_on(session, 1, utc(2026, 1, 1, 12))
        await _award(session, ada, 40, f"w:{ada.id}", utc(2026, 1, 5, 12))
        await session.commit()

    async def worker() -> int:
        async with sessionmaker() as session:
            posted = await points.expire_due(session, now=utc(2026, 2, 6, 12))
            await session.commit()
            return posted

    with at(utc(2026, 2, 6, 12)):
        results = await asyncio.gather(worker(), worker())
    assert sum(results) in (1, 2)  # the second either found it or replayed the same key
    async with sessionmaker() as session:
        assert await _expired(session, ada) == [-40]
        assert (await points.balance_of(session, ada)).current == 0
        await _sums_agree(session, ada)
