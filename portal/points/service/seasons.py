"""Seasons: a marketer's time-boxed leaderboard, for everyone or one group. Points count toward
a season when they are posted while it runs (what counts toward lifetime points, reversals
taken off), kept in `season_totals` by the ledger transaction; a season defined after its start
counts the ledger's rows since its start once, when it is created. Places are by season points;
people on equal points share a place (1, 2, 2, 4), as on every board."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import func, insert, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit import service as audit
from portal.clock import utcnow
from portal.errors import NotFound, PortalError
from portal.i18n import N_, gettext
from portal.people.models import STAFF_ROLES, Group, GroupMember, User, UserRole, UserStatus
from portal.points.models import EntryState, LedgerEntry
from portal.points.season_models import Season, SeasonTotal
from portal.points.service.boards import HIDDEN_NAME, BoardRow
from portal.program import cache as program_cache

BOARD_ROWS = 25
OPEN_SEASONS = "open_seasons"  # in session.info and the program cache


class InvalidSeason(PortalError):
    status_code = 422

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(gettext(message))


@dataclass(frozen=True)
class SeasonBoard:
    season: Season
    rows: list[BoardRow]
    viewer_row: BoardRow | None

    @property
    def viewer_outside_top(self) -> bool:
        return self.viewer_row is not None and all(
            row.user_id != self.viewer_row.user_id for row in self.rows
        )


async def _open_seasons(session: AsyncSession) -> list[tuple[int, datetime, datetime]]:
    rows = await session.execute(
        select(Season.id, Season.starts_at, Season.ends_at).where(Season.closed_at.is_(None))
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def open_seasons(session: AsyncSession) -> list[tuple[int, datetime, datetime]]:
    """(id, start, end) of the seasons not closed yet: from the program cache in a request, and
    read once per session elsewhere (a job's batch of awards reads them once, not per award);
    creating or closing a season drops the session's copy."""
    if OPEN_SEASONS not in session.info:
        session.info[OPEN_SEASONS] = await program_cache.cached(
            session, OPEN_SEASONS, _open_seasons
        )
    found: list[tuple[int, datetime, datetime]] = session.info[OPEN_SEASONS]
    return found


def forget_open_seasons(session: AsyncSession) -> None:
    session.info.pop(OPEN_SEASONS, None)


@cache
def _total_upsert(dialect: str) -> Any:
    insert_for = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert_for(SeasonTotal)
    return statement.on_conflict_do_update(
        index_elements=["season_id", "user_id"],
        set_={"points": SeasonTotal.points + statement.excluded.points},
    )


async def note_season_points(
    session: AsyncSession, user_id: int, points: int, moment: datetime
) -> None:
    """Adds a posted row's lifetime points to the seasons running at `moment` (called by the
    ledger only). In a request the seasons come from the program cache: no read."""
    running = [
        season_id
        for season_id, starts_at, ends_at in await open_seasons(session)
        if starts_at <= moment < ends_at
    ]
    if running:
        dialect = (await session.connection()).dialect.name
        await session.execute(
            _total_upsert(dialect),
            [{"season_id": sid, "user_id": user_id, "points": points} for sid in running],
        )


async def create_season(
    session: AsyncSession,
    *,
    actor: User,
    name: str,
    starts_at: datetime,
    ends_at: datetime,
    time_zone: str,
    group_id: int | None,
) -> Season:
    """A new season. Its end must come after its start and after now; a start already past
    counts the points posted since then."""
    name = name.strip()
    if ends_at <= starts_at:
        raise InvalidSeason(N_("The end must come after the start."), "ends_at")
    now = utcnow()
    if ends_at <= now:
        raise InvalidSeason(N_("The end has passed: choose an end in the future."), "ends_at")
    if await session.scalar(select(Season.id).where(Season.name == name)) is not None:
        raise InvalidSeason(N_("A season has this name already. Choose another."), "name")
    group = None
    if group_id is not None and (group := await session.get(Group, group_id)) is None:
        raise InvalidSeason(N_("That group no longer exists. Choose another."), "group_id")
    season = Season(
        name=name,
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=time_zone,
        group_id=group_id,
        created_by_id=actor.id,
    )
    session.add(season)
    await session.flush()
    forget_open_seasons(session)
    if starts_at < now:
        await session.execute(
            insert(SeasonTotal).from_select(
                ["season_id", "user_id", "points"],
                select(literal(season.id), LedgerEntry.user_id, func.sum(LedgerEntry.delta))
                .where(
                    LedgerEntry.counts_toward_lifetime,
                    LedgerEntry.state == EntryState.POSTED,
                    LedgerEntry.created_at >= starts_at,
                )
                .group_by(LedgerEntry.user_id),
            )
        )
    await audit.record(
        session,
        actor=actor,
        action="points.season_created",
        target_type="season",
        target_id=season.id,
        summary=f"Season {name}" + (f" for {group.name}" if group else ""),
        after={
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
            "time_zone": time_zone,
            "group_id": group_id,
        },
    )
    return season


async def list_seasons(session: AsyncSession) -> list[Season]:
    return list(await session.scalars(select(Season).order_by(Season.ends_at.desc(), Season.id)))


async def seasons_for(
    session: AsyncSession, viewer: User, *, staff_view: bool, limit: int = 8
) -> list[Season]:
    """The latest seasons a person may see, latest end first: staff all of them, an advocate
    those for everyone and those of their groups."""
    query = select(Season).order_by(Season.ends_at.desc(), Season.id).limit(limit)
    if not staff_view:
        mine = select(GroupMember.group_id).where(GroupMember.user_id == viewer.id)
        query = query.where(Season.group_id.is_(None) | Season.group_id.in_(mine))
    return list(await session.scalars(query))


async def access_season(session: AsyncSession, season_id: int) -> Season:
    season = await session.get(Season, season_id)
    if season is None:
        raise NotFound()
    return season


def _ranked(season: Season, *, exclude_staff: bool) -> Any:
    """The season's people with points, best first, ties by who joined first (the order shown;
    the place is shared): active accounts, the group's members, staff left out if chosen."""
    query = (
        select(
            SeasonTotal.user_id,
            User.display_name,
            User.company,
            User.hide_from_boards,
            SeasonTotal.points,
        )
        .join(User, User.id == SeasonTotal.user_id)
        .where(
            SeasonTotal.season_id == season.id,
            SeasonTotal.points > 0,
            User.status == UserStatus.ACTIVE,
        )
    )
    if exclude_staff:
        query = query.where(~User.roles.any(UserRole.role.in_(STAFF_ROLES)))
    if season.group_id is not None:
        members = select(GroupMember.user_id).where(GroupMember.group_id == season.group_id)
        query = query.where(SeasonTotal.user_id.in_(members))
    return query.order_by(SeasonTotal.points.desc(), SeasonTotal.user_id)


async def season_standings(
    session: AsyncSession,
    season: Season,
    *,
    exclude_staff: bool,
    through_place: int | None = None,
    limit: int | None = None,
    viewer: User | None = None,
) -> list[BoardRow]:
    """The board's rows in order with shared places; up to `limit` rows, or everyone placed
    `through_place` or better (a tie at that place brings in all who share it). Names of people
    who hide from boards are hidden, except from themselves."""
    query = _ranked(season, exclude_staff=exclude_staff)
    if limit is not None:
        query = query.limit(limit)
    rows: list[BoardRow] = []
    place, previous = 0, None
    for position, (uid, name, company, hidden, points) in enumerate(
        await session.execute(query), start=1
    ):
        if points != previous:
            place, previous = position, points
        if through_place is not None and place > through_place:
            break
        if hidden and (viewer is None or uid != viewer.id):
            name, company = gettext(HIDDEN_NAME), ""
        rows.append(BoardRow(place, uid, name, company, points))
    return rows


async def season_board(
    session: AsyncSession, season: Season, *, viewer: User, exclude_staff: bool
) -> SeasonBoard:
    rows = await season_standings(
        session, season, exclude_staff=exclude_staff, limit=BOARD_ROWS, viewer=viewer
    )
    viewer_row = next((row for row in rows if row.user_id == viewer.id), None)
    if viewer_row is None:
        viewer_row = await _viewer_row(session, season, viewer, exclude_staff=exclude_staff)
    return SeasonBoard(season, rows, viewer_row)


async def _viewer_row(
    session: AsyncSession, season: Season, viewer: User, *, exclude_staff: bool
) -> BoardRow | None:
    ranked = _ranked(season, exclude_staff=exclude_staff).subquery()
    own = await session.scalar(select(ranked.c.points).where(ranked.c.user_id == viewer.id))
    if own is None:
        return None
    ahead = await session.scalar(select(func.count()).where(ranked.c.points > own)) or 0
    return BoardRow(ahead + 1, viewer.id, viewer.display_name, viewer.company, own)


@dataclass(frozen=True)
class SeasonStanding:
    """A running season as its Home card shows it: the reader's place (None with no points)."""

    season: Season
    place: int | None
    points: int


async def running_standing(
    session: AsyncSession, viewer: User, *, exclude_staff: bool
) -> SeasonStanding | None:
    """The running season the viewer takes part in that ends first, and their place in it: one
    statement, and none while no season runs (the open seasons come from the program cache)."""
    now = utcnow()
    if not any(starts_at <= now < ends_at for _, starts_at, ends_at in await open_seasons(session)):
        return None
    own = (
        select(SeasonTotal.points)
        .where(SeasonTotal.season_id == Season.id, SeasonTotal.user_id == viewer.id)
        .correlate(Season)
        .scalar_subquery()
    )
    ahead = (
        select(func.count())
        .select_from(SeasonTotal)
        .join(User, User.id == SeasonTotal.user_id)
        .where(
            SeasonTotal.season_id == Season.id,
            SeasonTotal.points > own,
            User.status == UserStatus.ACTIVE,
            Season.group_id.is_(None)
            | SeasonTotal.user_id.in_(
                select(GroupMember.user_id).where(GroupMember.group_id == Season.group_id)
            ),
            *([~User.roles.any(UserRole.role.in_(STAFF_ROLES))] if exclude_staff else []),
        )
        .correlate(Season)
        .scalar_subquery()
    )
    mine = select(GroupMember.group_id).where(GroupMember.user_id == viewer.id)
    row = (
        await session.execute(
            select(Season, own, ahead)
            .where(
                Season.starts_at <= now,
                Season.ends_at > now,
                Season.group_id.is_(None) | Season.group_id.in_(mine),
            )
            .order_by(Season.ends_at, Season.id)
            .limit(1)
        )
    ).one_or_none()
    if row is None:
        return None
    season, points, ahead_count = row
    if not points or points <= 0 or (exclude_staff and viewer.is_staff):
        return SeasonStanding(season, None, 0)
    return SeasonStanding(season, ahead_count + 1, points)
