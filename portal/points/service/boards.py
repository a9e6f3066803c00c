"""Leaderboards: lifetime points for all time, per-period totals for this week and month."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, Select, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from portal.clock import utcnow
from portal.people.models import STAFF_ROLES, GroupMember, User, UserRole, UserStatus
from portal.points.models import Balance, Period, PeriodTotal
from portal.points.service.totals import period_start
from portal.program import service as program

AnySelect = Select[*tuple[Any, ...]]
HIDDEN_NAME = "An advocate"  # who someone is on a board when they hide from boards


@dataclass(frozen=True)
class BoardRow:
    rank: int
    user_id: int
    name: str
    company: str
    points: int


@dataclass(frozen=True)
class Board:
    period: Period
    group_id: int | None
    rows: list[BoardRow]
    viewer_row: BoardRow | None  # the viewer's own place, also when outside the top rows

    @property
    def viewer_outside_top(self) -> bool:
        return self.viewer_row is not None and all(
            row.user_id != self.viewer_row.user_id for row in self.rows
        )


@dataclass(frozen=True)
class _Scores:
    """Where a board's points come from: a table, its points and user columns, and filters."""

    table: type[Balance] | type[PeriodTotal]
    points: QueryableAttribute[int]
    user_id: QueryableAttribute[int]
    conditions: list[ColumnElement[bool]]


async def _scores(session: AsyncSession, period: Period) -> _Scores:
    if period == Period.ALL_TIME:
        return _Scores(Balance, Balance.lifetime, Balance.user_id, [])
    start = period_start(period, utcnow(), (await program.load_once(session)).zone)
    return _Scores(
        PeriodTotal,
        PeriodTotal.points,
        PeriodTotal.user_id,
        [PeriodTotal.period == period, PeriodTotal.period_start == start],
    )


def _scoped(
    query: AnySelect,
    user_id: QueryableAttribute[int],
    *,
    group_id: int | None,
    exclude_staff: bool,
) -> AnySelect:
    query = query.join(User, User.id == user_id).where(User.status == UserStatus.ACTIVE)
    if exclude_staff:
        query = query.where(~User.roles.any(UserRole.role.in_(STAFF_ROLES)))
    if group_id is not None:
        query = query.where(user_id.in_(_members(group_id)))
    return query


async def leaderboard(
    session: AsyncSession,
    *,
    period: Period,
    viewer: User | None = None,
    group_id: int | None = None,
    exclude_staff: bool = True,
    limit: int = 25,
) -> Board:
    scores = await _scores(session, period)
    points, user_id = scores.points, scores.user_id
    query = _scoped(
        select(user_id, User.display_name, User.company, User.hide_from_boards, points).where(
            points > 0, *scores.conditions
        ),
        user_id,
        group_id=group_id,
        exclude_staff=exclude_staff,
    )
    rows = []
    rank = 0
    previous: int | None = None
    for position, (uid, name, company, hidden, score) in enumerate(
        await session.execute(query.order_by(points.desc(), user_id).limit(limit)), start=1
    ):
        if score != previous:
            rank, previous = position, score
        if hidden and (viewer is None or uid != viewer.id):
            name, company = HIDDEN_NAME, ""
        rows.append(BoardRow(rank, uid, name, company, score))
    viewer_row = None
    if viewer is not None:
        viewer_row = next((row for row in rows if row.user_id == viewer.id), None)
        if viewer_row is None:
            viewer_row = await _viewer_row(
                session, viewer, period, group_id=group_id, exclude_staff=exclude_staff
            )
    return Board(period, group_id, rows, viewer_row)


async def _viewer_row(
    session: AsyncSession,
    viewer: User,
    period: Period,
    *,
    group_id: int | None,
    exclude_staff: bool,
) -> BoardRow | None:
    score = await rank_of(
        session, viewer, period=period, group_id=group_id, exclude_staff=exclude_staff
    )
    if score is None:
        return None
    rank, points = score
    return BoardRow(rank, viewer.id, viewer.display_name, viewer.company, points)


async def rank_of(
    session: AsyncSession,
    user: User,
    *,
    period: Period,
    group_id: int | None = None,
    exclude_staff: bool = True,
) -> tuple[int, int] | None:
    """(rank, points) of the user on a board, or None when they have no points on it or are
    not on it (staff on a board that excludes staff)."""
    scores = await _scores(session, period)
    own = await session.scalar(
        select(scores.points).where(scores.user_id == user.id, *scores.conditions)
    )
    if not own or (exclude_staff and user.is_staff):
        return None
    # Everyone ahead is an index-only count; the few who are not on the board (staff,
    # inactive accounts) are counted separately and taken off, so no join over the board.
    ahead_query = select(func.count()).select_from(scores.table)
    ahead_query = ahead_query.where(scores.points > own, *scores.conditions)
    if group_id is not None:
        ahead_query = ahead_query.where(scores.user_id.in_(_members(group_id)))
    ahead = await session.scalar(ahead_query) or 0
    off_board: CompoundSelect[int] | Select[int] = select(User.id).where(
        User.status.in_([s for s in UserStatus if s != UserStatus.ACTIVE])
    )
    if exclude_staff:
        off_board = union(off_board, select(UserRole.user_id).where(UserRole.role.in_(STAFF_ROLES)))
    off_ids = off_board.subquery()
    not_ranked = await session.scalar(
        select(func.count())
        .select_from(off_ids)
        .join(scores.table, scores.user_id == off_ids.c.id)
        .where(scores.points > own, *scores.conditions)
        .where(*([scores.user_id.in_(_members(group_id))] if group_id is not None else []))
    )
    return ahead - (not_ranked or 0) + 1, own


def _members(group_id: int) -> Select[int]:
    return select(GroupMember.user_id).where(GroupMember.group_id == group_id)
