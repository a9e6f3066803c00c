"""Seasons: points count while a season runs, its board shares places on equal points, and its
close awards the top 3 and top 10 badges once, however often and by however many workers the
job runs."""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from portal import clock
from portal.config import Settings
from portal.db import create_sessionmaker
from portal.groups import service as groups
from portal.people.models import User, UserStatus
from portal.points import service as points
from portal.points.jobs import close_ended_seasons
from portal.points.models import Badge, UserBadge
from portal.points.season_models import Season
from tests.conftest import joined_sessionmaker
from tests.factories import make_advocate, make_marketer

START = datetime(2026, 9, 1, 7, tzinfo=UTC)  # 09:00 in Berlin
END = datetime(2026, 9, 30, 22, tzinfo=UTC)  # midnight in Berlin


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    with clock.shifted(moment - datetime.now(UTC)):
        yield


async def _earn(session: AsyncSession, user: User, amount: int, moment: datetime) -> None:
    with at(moment):
        await points.award(
            session, user, points=amount, reason="Webinar", key=f"s:{user.id}:{moment}:{amount}"
        )


async def _season(
    session: AsyncSession, marketer: User, *, name: str = "September sprint", **kwargs: object
) -> Season:
    with at(START - timedelta(days=1)):
        return await points.create_season(
            session,
            actor=marketer,
            name=name,
            starts_at=START,
            ends_at=END,
            time_zone="Europe/Berlin",
            group_id=kwargs.get("group_id"),  # type: ignore[arg-type]
        )


async def test_points_count_while_the_season_runs_and_places_are_shared(
    session: AsyncSession,
) -> None:
    marketer = await make_marketer(session)
    ada, ben, cy = [await make_advocate(session, name=n) for n in ("Ada", "Ben", "Cy")]
    season = await _season(session, marketer)
    await _earn(session, ada, 500, START - timedelta(minutes=1))  # before it starts
    await _earn(session, ada, 40, START)
    await _earn(session, ben, 40, START + timedelta(days=3))
    await _earn(session, cy, 25, START + timedelta(days=4))
    await _earn(session, cy, 900, END)  # the end is not in the season

    rows = await points.season_standings(session, season, exclude_staff=True)
    assert [(row.rank, row.name, row.points) for row in rows] == [
        (1, "Ada", 40),
        (1, "Ben", 40),
        (3, "Cy", 25),
    ]
    with at(START + timedelta(days=5)):
        board = await points.season_board(session, season, viewer=cy, exclude_staff=True)
    assert board.viewer_row is not None
    assert board.viewer_row.rank == 3


async def test_a_season_defined_after_its_start_counts_the_points_since(
    session: AsyncSession,
) -> None:
    marketer = await make_marketer(session)
    ada = await make_advocate(session)
    await _earn(session, ada, 30, START - timedelta(hours=1))
    await _earn(session, ada, 70, START + timedelta(hours=1))
    with at(START + timedelta(days=2)):
        season = await points.create_season(
            session,
            actor=marketer,
            name="Late start",
            starts_at=START,
            ends_at=END,
            time_zone="UTC",
            group_id=None,
        )
    await _earn(session, ada, 5, START + timedelta(days=3))
    rows = await points.season_standings(session, season, exclude_staff=True)
    assert [(row.user_id, row.points) for row in rows] == [(ada.id, 75)]


async def test_a_season_refuses_an_end_before_its_start_or_in_the_past(
    session: AsyncSession,
) -> None:
    marketer = await make_marketer(session)
    with pytest.raises(points.InvalidSeason) as before:
        await _season_at(session, marketer, START, START - timedelta(days=1))
    assert before.value.field == "ends_at"
    with at(END + timedelta(days=1)), pytest.raises(points.InvalidSeason) as past:
        await _season_at(session, marketer, START, END)
    assert "has passed" in past.value.message
    await _season(session, marketer)
    with pytest.raises(points.InvalidSeason) as taken:
        await _season(session, marketer)
    assert taken.value.field == "name"


async def _season_at(
    session: AsyncSession, marketer: User, starts: datetime, ends: datetime
) -> Season:
    return await points.create_season(
        session,
        actor=marketer,
        name="Odd",
        starts_at=starts,
        ends_at=ends,
        time_zone="UTC",
        group_id=None,
    )


# Season points → place: 1, 2, 3, 3 (top 3: four people), 5 to 10 with 10 shared (top 10:
# seven people), 12 (nothing).
SCORES = [500, 400, 300, 300, 200, 190, 180, 170, 160, 150, 150, 10]


async def _badge_holders(session: AsyncSession, badge_id: int | None) -> list[int]:
    return list(
        await session.scalars(
            select(UserBadge.user_id).where(UserBadge.badge_id == badge_id).order_by("user_id")
        )
    )


async def test_the_close_awards_the_top_3_and_top_10_once_ties_sharing_a_place(
    session: AsyncSession, connection: AsyncConnection, settings: Settings
) -> None:
    marketer = await make_marketer(session)
    season = await _season(session, marketer)
    people = [await make_advocate(session, name=f"Advocate {n}") for n in range(len(SCORES))]
    for person, score in zip(people, SCORES, strict=True):
        await _earn(session, person, score, START + timedelta(days=1))
    await _earn(session, marketer, 9_000, START + timedelta(days=1))  # staff: off the board
    gone = await make_advocate(session)
    await _earn(session, gone, 8_000, START + timedelta(days=1))
    gone.status = UserStatus.SUSPENDED
    await session.commit()
    context = {"settings": settings, "sessionmaker": joined_sessionmaker(connection)}

    with at(END - timedelta(minutes=1)):
        assert await close_ended_seasons(context) == 0  # not ended yet
    with at(END + timedelta(minutes=2)):
        assert await close_ended_seasons(context) == 11
        assert await close_ended_seasons(context) == 0
    await session.refresh(season)
    assert season.closed_at is not None
    assert await _badge_holders(session, season.top3_badge_id) == [p.id for p in people[:4]]
    assert await _badge_holders(session, season.top10_badge_id) == [p.id for p in people[4:11]]
    badge = await session.get(Badge, season.top3_badge_id)
    assert badge is not None
    assert (badge.name, badge.is_active) == ("September sprint: top 3", False)
    third = await session.get(UserBadge, (people[3].id, badge.id))
    assert third is not None
    assert third.note == "Place 3 in September sprint, with 300 points."


async def test_a_group_season_ranks_the_groups_members_only(session: AsyncSession) -> None:
    marketer = await make_marketer(session)
    member, outsider = await make_advocate(session), await make_advocate(session)
    group = await groups.create_group(session, staff=marketer, name="Partners", description="")
    await groups.add_members(session, staff=marketer, group=group, users=[member])
    season = await _season(session, marketer, group_id=group.id)
    await _earn(session, member, 10, START + timedelta(days=1))
    await _earn(session, outsider, 99, START + timedelta(days=1))
    rows = await points.season_standings(session, season, exclude_staff=True)
    assert [row.user_id for row in rows] == [member.id]
    seen = await points.seasons_for(session, outsider, staff_view=False)
    assert season.id not in [s.id for s in seen]


async def test_two_workers_closing_at_once_award_each_badge_once(
    committed_engine: AsyncEngine,
) -> None:
    sessionmaker = create_sessionmaker(committed_engine)
    async with sessionmaker() as session:
        marketer = await make_marketer(session)
        season = await _season(session, marketer, name=f"Race {datetime.now(UTC).timestamp()}")
        for score in SCORES:
            await _earn(session, await make_advocate(session), score, START + timedelta(days=1))
        await session.commit()

    async def close() -> int | None:
        async with sessionmaker() as session:
            awarded = await points.close_season(session, season.id, END + timedelta(minutes=1))
            await session.commit()
            return awarded

    results = await asyncio.gather(close(), close())
    assert sorted(results, key=lambda r: r or 0) == [None, 11]
    async with sessionmaker() as session:
        closed = await session.get(Season, season.id)
        assert closed is not None
        held = await session.scalar(
            select(func.count()).where(
                UserBadge.badge_id.in_([closed.top3_badge_id, closed.top10_badge_id])
            )
        )
        assert held == 11
        made = await session.scalar(select(func.count()).where(Badge.name.startswith(closed.name)))
        assert made == 2
