"""Streaks: weeks in a row with an award, each from Monday in the person's zone, kept by the
award; freezes carry a streak over a missed week; streak badges come once; the migration
replays the ledgers so far."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.db import create_engine
from portal.notifications.models import Notification
from portal.people.models import User
from portal.points import service as points
from portal.points.models import Badge, BadgeRule, UserBadge
from portal.points.service.streaks import Streak
from tests.conftest import drop_pg_database, empty_database_url, run_migrations
from tests.factories import login_as, make_advocate, make_marketer, post_form

# Sunday 29 November 2026 23:30 in Auckland (NZDT, UTC+13); an hour later it is Monday there,
# while in UTC both moments fall on Sunday the 29th, in the week of Monday 23 November.
AUCKLAND_SUNDAY_NIGHT = datetime(2026, 11, 29, 10, 30, tzinfo=UTC)
AUCKLAND_MONDAY = AUCKLAND_SUNDAY_NIGHT + timedelta(hours=1)
MONDAY = date(2026, 11, 2)


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    with clock.shifted(moment - datetime.now(UTC)):
        yield


async def _award_at(session: AsyncSession, user: User, moment: datetime, key: str) -> None:
    with at(moment):
        await points.award(session, user, points=10, reason="Shared a post", key=key)


async def _person(session: AsyncSession, zone: str) -> User:
    person = await make_advocate(session)
    person.time_zone = zone
    await session.flush()
    return person


async def _streak(session: AsyncSession, user: User) -> Streak:
    return (await points.balance_of(session, user)).streak


def test_a_freeze_comes_every_n_weeks_and_covers_one_missed_week() -> None:
    streak = Streak()
    for week in range(4):
        streak = streak.advanced(MONDAY + timedelta(weeks=week), 4)
    assert (streak.weeks, streak.best, streak.freezes) == (4, 4, 1)
    assert streak.advanced(MONDAY + timedelta(weeks=3), 4) == streak  # same week: no change
    saved = streak.advanced(MONDAY + timedelta(weeks=5), 4)  # week 5 missed
    assert (saved.weeks, saved.best, saved.freezes) == (5, 5, 0)
    broken = saved.advanced(MONDAY + timedelta(weeks=7), 4)  # week 7 missed, no freeze left
    assert (broken.weeks, broken.best, broken.freezes) == (1, 5, 0)
    # Only one freeze is held, however long the streak.
    for week in range(8, 16):
        broken = broken.advanced(MONDAY + timedelta(weeks=week), 4)
    assert (broken.weeks, broken.freezes) == (9, 1)


def test_the_status_counts_a_streak_alive_while_a_freeze_can_save_it() -> None:
    streak = Streak(week=MONDAY, weeks=4, best=6, freezes=1)
    assert streak.status(MONDAY).earned_this_week
    assert streak.status(MONDAY + timedelta(weeks=1)).current == 4
    two_on = streak.status(MONDAY + timedelta(weeks=2))
    assert (two_on.current, two_on.missed) == (4, 1)
    assert "freeze covers" in two_on.hint
    gone = streak.status(MONDAY + timedelta(weeks=3))
    assert (gone.current, gone.best) == (0, 6)


async def test_a_week_starts_at_monday_midnight_in_the_persons_zone(
    session: AsyncSession,
) -> None:
    auckland = await _person(session, "Pacific/Auckland")
    utc = await _person(session, "UTC")
    for person in (auckland, utc):
        await _award_at(session, person, AUCKLAND_SUNDAY_NIGHT, f"sun:{person.id}")
        await _award_at(session, person, AUCKLAND_MONDAY, f"mon:{person.id}")
    assert await _streak(session, auckland) == Streak(date(2026, 11, 30), 2, 2, 0)
    assert await _streak(session, utc) == Streak(date(2026, 11, 23), 1, 1, 0)


async def test_streak_badges_come_once_and_a_freeze_saves_a_missed_week(
    session: AsyncSession,
) -> None:
    advocate = await _person(session, "UTC")
    start = datetime(2026, 6, 1, 12, tzinfo=UTC)  # a Monday
    for week in (0, 1, 2, 3, 5):  # the fifth week missed, saved by the freeze of the fourth
        for n in range(2):
            await _award_at(session, advocate, start + timedelta(weeks=week, days=n), f"{week}{n}")
    assert await _streak(session, advocate) == Streak(date(2026, 7, 6), 5, 5, 0)
    four = await session.scalar(select(Badge).where(Badge.rule == BadgeRule.STREAK_4))
    assert four is not None
    held = await session.scalars(select(UserBadge.badge_id).where(UserBadge.user_id == advocate.id))
    assert list(held) == [four.id]
    told = await session.scalars(
        select(Notification.kind)
        .where(Notification.user_id == advocate.id, Notification.kind.startswith("streak_"))
        .order_by(Notification.id)
    )
    assert list(told) == ["streak_freeze_earned", "streak_freeze_used"]


async def test_home_and_my_badges_show_the_streak(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await _person(session, "UTC")
    now = clock.utcnow()
    await _award_at(session, advocate, now - timedelta(weeks=1), "last-week")
    await _award_at(session, advocate, now, "this-week")
    await login_as(client, advocate)

    home = BeautifulSoup((await client.get("/")).text, "html.parser")
    assert home.select_one("#streak-current").get_text() == "2"
    assert home.select_one("#streak-best").get_text() == "2"
    badges = BeautifulSoup((await client.get("/badges")).text, "html.parser")
    status = " ".join(badges.select_one("#streak-status").get_text().split())
    assert "2 weeks in a row · best 2 weeks" in status
    assert "safe until Sunday" in status
    four = await session.scalar(select(Badge).where(Badge.rule == BadgeRule.STREAK_4))
    assert four is not None
    assert "2 of 4 weeks" in badges.select_one(f"#badge-{four.id}").get_text()
    how = BeautifulSoup((await client.get("/points/how-to-earn")).text, "html.parser")
    assert how.select_one("#how-streak-current").get_text() == "2 weeks"
    assert "Every 4 weeks of a streak earn a streak freeze" in how.get_text()


async def test_the_freeze_interval_is_a_points_rule(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    refused = await post_form(client, "/manage/pending-points/rules", {"streak_freeze_weeks": "0"})
    assert refused.status_code == 422
    page = BeautifulSoup(refused.text, "html.parser")
    assert page.select_one("#f-streak_freeze_weeks")["value"] == "0"
    assert (
        "Enter a whole number from 1 to 52."
        in page.select_one("#f-streak_freeze_weeks-error").get_text()
    )
    saved = await post_form(client, "/manage/pending-points/rules", {"streak_freeze_weeks": "2"})
    assert saved.status_code == 303
    assert (await points.load_rules(session)).streak_freeze_weeks == 2


@pytest.fixture
async def empty_url(backend: str, tmp_path: Path):
    url = await empty_database_url(backend, tmp_path, "streaks")
    yield url
    if backend == "postgresql":
        await drop_pg_database(f"portal_streaks_{os.getpid()}")


async def test_the_migration_replays_the_ledgers_so_far(empty_url: str) -> None:
    run_migrations(empty_url, "0044")
    engine = create_engine(empty_url)
    moments = [AUCKLAND_SUNDAY_NIGHT - timedelta(weeks=1), AUCKLAND_SUNDAY_NIGHT, AUCKLAND_MONDAY]
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO users (id, email, display_name, status, company, job_title,"
                    " referral_code, time_zone, created_at) VALUES (1, 'ada@example.com', 'Ada',"
                    " 'active', '', '', 'ADA1', 'Pacific/Auckland', :at)"
                ),
                {"at": moments[0]},
            )
            await connection.execute(
                text("INSERT INTO points_balances (user_id, current, lifetime) VALUES (1, 30, 30)")
            )
            for n, moment in enumerate(moments):
                await connection.execute(
                    text(
                        "INSERT INTO points_ledger (user_id, kind, delta, counts_toward_lifetime,"
                        " balance_after, reason, idempotency_key, created_at, state)"
                        " VALUES (1, 'award', 10, :yes, 10, 'r', :key, :at, 'posted')"
                    ),
                    {"yes": True, "key": f"k{n}", "at": moment},
                )
        run_migrations(empty_url, "0047")
        async with engine.connect() as connection:
            row = (
                await connection.execute(
                    text(
                        "SELECT streak_week, streak_weeks, best_streak_weeks, streak_freezes"
                        " FROM points_balances WHERE user_id = 1"
                    )
                )
            ).one()
            badges = await connection.scalar(
                text("SELECT count(*) FROM badges WHERE rule LIKE 'streak_%'")
            )
        assert (str(row[0])[:10], *row[1:]) == ("2026-11-30", 3, 3, 0)
        assert badges == 4
    finally:
        await engine.dispose()


async def test_a_freeze_is_announced_in_the_persons_language(session: AsyncSession) -> None:
    advocate = await _person(session, "Europe/Berlin")
    advocate.language = "de"
    start = datetime(2026, 6, 1, 12, tzinfo=UTC)  # a Monday
    for week in range(4):
        await _award_at(session, advocate, start + timedelta(weeks=week), f"de{week}")
    told = await session.scalar(
        select(Notification.title).where(
            Notification.user_id == advocate.id, Notification.kind == "streak_freeze_earned"
        )
    )
    assert told == "Sie haben einen Joker für Ihre Serie erhalten"
