"""Who the People table shows, in which order: one statement built from a `PeopleFilter`,
used for the page, the CSV export and the bulk actions on the whole filtered set.

Previous and Next page by keyset (portal.directory.keyset): from the sort key of the row they
leave, so any depth costs one page of index entries. A page opened by number alone skips by
OFFSET. Name (lower-cased), joined, points, lifetime (the level) and last activity (the later
of the last visit and the last points earned, kept on the balance row) are indexed; every
person has a balance row from creation, so the join is an inner one the planner can drive from
the balance index. Referrals won and groups are read as two runs (`_counted_page`)."""

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from portal.directory import keyset
from portal.directory.filters import PeopleFilter, Sort
from portal.pagination import Page
from portal.people.models import (
    FieldKind,
    GroupMember,
    ProfileField,
    ProfileValue,
    User,
    UserRole,
)
from portal.points.models import Balance, Level
from portal.points.service import cached_levels
from portal.referrals.models import Referral, Stage

PER_PAGE = 25

points = Balance.current
lifetime = Balance.lifetime
last_activity = Balance.last_active_at
referrals_won = (
    select(func.count())
    .where(Referral.referrer_id == User.id, Referral.stage == Stage.WON)
    .correlate(User)
    .scalar_subquery()
)
group_count = (
    select(func.count()).where(GroupMember.user_id == User.id).correlate(User).scalar_subquery()
)
NULLABLE_SORTS = frozenset({Sort.ACTIVITY})
COUNTED_SORTS = frozenset({Sort.REFERRALS, Sort.GROUPS})
# Ties broken by the balance's own user_id, so the (current, user_id) index serves the order.
BALANCE_SORTS = frozenset({Sort.POINTS, Sort.LEVEL, Sort.ACTIVITY})
SORT_COLUMNS: dict[Sort, Any] = {
    Sort.NAME: func.lower(User.display_name),
    Sort.POINTS: points,
    Sort.LEVEL: lifetime,
    Sort.ACTIVITY: last_activity,
    Sort.JOINED: User.created_at,
    Sort.REFERRALS: referrals_won,
    Sort.GROUPS: group_count,
}


@dataclass(frozen=True)
class PersonRow:
    user: User
    points: int
    lifetime: int
    level: str
    last_activity: datetime | None
    referrals_won: int
    groups: int


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _level_range(levels: list[Level], level_id: int) -> tuple[int, int | None] | None:
    ordered = sorted(levels, key=lambda level: level.min_points)
    for index, level in enumerate(ordered):
        if level.id == level_id:
            after = ordered[index + 1].min_points if index + 1 < len(ordered) else None
            return level.min_points, after
    return None


def _at_level(levels: list[Level], level_id: int) -> ColumnElement[bool]:
    """People whose level is `level_id`: the higher of what their lifetime points reach and
    the floor a marketer keeps them at (tiers.py), so a person kept at Champion is a Champion
    here whatever their points."""
    span = _level_range(levels, level_id)
    if span is None:
        return User.id.is_(None)
    low, high = span
    below = [level.id for level in levels if level.min_points <= low]
    under_next = true() if high is None else lifetime < high
    by_points = and_(
        lifetime >= low,
        under_next,
        or_(Balance.floor_level_id.is_(None), Balance.floor_level_id.in_(below)),
    )
    return or_(by_points, and_(Balance.floor_level_id == level_id, under_next))


def _field_condition(field: ProfileField, value: str) -> ColumnElement[bool]:
    matches: ColumnElement[bool]
    if field.kind == FieldKind.TEXT:
        matches = func.lower(ProfileValue.value).like(f"%{value.lower()}%")
    else:
        matches = ProfileValue.value == value
    return exists(
        select(ProfileValue.user_id).where(
            ProfileValue.user_id == User.id, ProfileValue.field_id == field.id, matches
        )
    )


async def conditions(session: AsyncSession, chosen: PeopleFilter) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a filter. A level, group or field that no longer exists matches
    nobody (the page says which filter is set, so an empty table explains itself)."""
    where: list[ColumnElement[bool]] = []
    if chosen.q:
        pattern = f"%{chosen.q.lower()}%"
        where.append(
            or_(
                func.lower(User.display_name).like(pattern),
                User.email.like(pattern),
                func.lower(User.company).like(pattern),
            )
        )
    if chosen.company:
        where.append(func.lower(User.company).like(f"%{chosen.company.lower()}%"))
    if chosen.role is not None:
        where.append(User.roles.any(UserRole.role == chosen.role))
    if chosen.status is not None:
        where.append(User.status == chosen.status)
    if chosen.group is not None:
        where.append(
            exists(
                select(GroupMember.user_id).where(
                    GroupMember.user_id == User.id, GroupMember.group_id == chosen.group
                )
            )
        )
    if chosen.level is not None:
        where.append(_at_level(list(await cached_levels(session)), chosen.level))
    if chosen.points_min is not None:
        where.append(points >= chosen.points_min)
    if chosen.points_max is not None:
        where.append(points <= chosen.points_max)
    if chosen.joined_from is not None:
        where.append(User.created_at >= _start_of(chosen.joined_from))
    if chosen.joined_to is not None:
        where.append(User.created_at < _start_of(chosen.joined_to + timedelta(days=1)))
    if chosen.active_from is not None:
        where.append(last_activity >= _start_of(chosen.active_from))
    if chosen.active_to is not None:
        where.append(last_activity < _start_of(chosen.active_to + timedelta(days=1)))
    if chosen.fields:
        fields = {
            field.id: field
            for field in await session.scalars(
                select(ProfileField).where(ProfileField.id.in_([i for i, _ in chosen.fields]))
            )
        }
        for field_id, value in chosen.fields:
            field = fields.get(field_id)
            where.append(_field_condition(field, value) if field else User.id.is_(None))
    return where


def _base(where: list[ColumnElement[bool]]) -> Select[Any]:
    return select(User).join(Balance, Balance.user_id == User.id).where(and_(true(), *where))


# Referrals won and groups are sorted through one aggregate of their table joined to the
# people (the won referrals and the memberships are few next to the people), not a count
# per person: a correlated count ran once for each of 100 000 rows (~1 s).
def _counted(sort: Sort) -> Any:
    if sort is Sort.REFERRALS:
        won = Referral.stage == Stage.WON
        return (
            select(Referral.referrer_id.label("user_id"), func.count().label("n"))
            .where(won)
            .group_by(Referral.referrer_id)
            .subquery("won")
        )
    return (
        select(GroupMember.user_id, func.count().label("n"))
        .group_by(GroupMember.user_id)
        .subquery("memberships")
    )


def _ordered(statement: Select[Any], chosen: PeopleFilter) -> Select[Any]:
    """Sorted by the column, then by id so pages never overlap. A column that can be empty
    (last activity) puts the empty ones last newest first and first oldest first, the two
    directions of its one index; NULLS on the others would stop the index walk."""
    column = SORT_COLUMNS[chosen.sort]
    if chosen.sort in (Sort.REFERRALS, Sort.GROUPS):
        counts = _counted(chosen.sort)
        statement = statement.outerjoin(counts, counts.c.user_id == User.id)
        column = func.coalesce(counts.c.n, 0)
    order = column.desc() if chosen.descending else column.asc()
    if chosen.sort in NULLABLE_SORTS:
        order = order.nulls_last() if chosen.descending else order.nulls_first()
    tie = Balance.user_id if chosen.sort in BALANCE_SORTS else User.id
    return statement.order_by(order, tie.desc() if chosen.descending else tie)


@dataclass(frozen=True)
class PeoplePage(Page[PersonRow]):
    """A page with the cursors of its first and last rows, for Previous and Next."""

    before: str = ""
    after: str = ""


async def list_people(
    session: AsyncSession,
    chosen: PeopleFilter,
    *,
    page: int = 1,
    per_page: int = PER_PAGE,
    cursor: keyset.Cursor | None = None,
) -> PeoplePage:
    """One page: the ids first (sorted and limited with nothing else computed, from the
    cursor's row on, or skipped by OFFSET when there is no cursor), then their rows."""
    where = await conditions(session, chosen)
    total = await count_people(session, where, reads_balance=chosen.reads_balance)
    offset = 0 if cursor else (page - 1) * per_page
    backwards = cursor is not None and cursor.backwards
    walk = replace(chosen, descending=not chosen.descending) if backwards else chosen
    if chosen.sort in COUNTED_SORTS:
        ids = await _counted_page(
            session, where, walk, offset=offset, limit=per_page, cursor=cursor
        )
    else:
        people = _base(where).with_only_columns(User.id)
        if cursor is not None:
            tie = Balance.user_id if chosen.sort in BALANCE_SORTS else User.id
            column, nullable = SORT_COLUMNS[chosen.sort], chosen.sort in NULLABLE_SORTS
            people = people.where(
                keyset.beyond(column, tie, cursor, descending=walk.descending, nullable=nullable)
            )
        ids = list(await session.scalars(_ordered(people, walk).offset(offset).limit(per_page)))
    if backwards:
        ids.reverse()
    return await _rows(session, chosen, ids, page=page, per_page=per_page, total=total)


async def _rows(
    session: AsyncSession, chosen: PeopleFilter, ids: list[int], **page: int
) -> PeoplePage:
    """The page's rows, with each end's sort key as the database reads it (a name lower-cased
    by SQL, not by Python, so the cursor compares as the order does)."""
    rows = (
        await session.execute(
            select(User, points, lifetime, last_activity, referrals_won, group_count)
            .add_columns(Balance.floor_level_id, SORT_COLUMNS[chosen.sort])
            .join(Balance, Balance.user_id == User.id)
            .where(User.id.in_(ids))
            .options(joinedload(User.roles))  # in the same statement: 25 rows, a role or two each
        )
    ).unique()
    levels = await cached_levels(session)  # ordered by their points
    found, keys = {}, {}
    for user, current, earned, active, won, groups, floor, key in rows:
        level = _level_name(levels, earned, floor)
        found[user.id] = PersonRow(user, current, earned, level, active, won, groups)
        keys[user.id] = key
    items = [found[user_id] for user_id in ids if user_id in found]
    ends = [keyset.encode(keys[row.user.id], row.user.id) for row in items]
    return PeoplePage(
        items=items,
        before=ends[0] if ends else "",
        after=ends[-1] if ends else "",
        **page,
    )


def _people(where: list[ColumnElement[bool]], *, reads_balance: bool) -> Select[Any]:
    """The matching ids, joined to the balances only when a filter reads them."""
    people = _base(where) if reads_balance else select(User).where(and_(true(), *where))
    return people.with_only_columns(User.id)


# Sorted by referrals won or by groups, the table is two runs: the people with a count (the
# winning referrers, the members: a few thousand next to 100 000), sorted by their count from
# one aggregate, and everyone else, whose count is 0, in id order straight off the primary
# key. A page reads the run its offset or cursor falls in, the next one only at the seam, and
# counts a run only when an offset passes it whole: nothing sorts everyone by a count.
async def _counted_page(
    session: AsyncSession,
    where: list[ColumnElement[bool]],
    chosen: PeopleFilter,
    *,
    offset: int,
    limit: int,
    cursor: keyset.Cursor | None,
) -> list[int]:
    counts = _counted(chosen.sort)
    people = _people(where, reads_balance=chosen.reads_balance)
    counted = people.join(counts, counts.c.user_id == User.id)
    uncounted = people.where(~exists().where(counts.c.user_id == User.id))
    down = chosen.descending
    if cursor is not None and cursor.value:  # a counted row: the rest of the counted run
        counted = counted.where(keyset.beyond(counts.c.n, User.id, cursor, descending=down))
        uncounted = uncounted if down else uncounted.where(false())
    elif cursor is not None:  # an uncounted row: the rest of that run
        counted = counted.where(false()) if down else counted
        uncounted = uncounted.where(User.id < cursor.user_id if down else User.id > cursor.user_id)
    by_count = (counts.c.n.desc(), User.id.desc()) if down else (counts.c.n, User.id)
    runs = [
        counted.order_by(*by_count),
        uncounted.order_by(User.id.desc() if down else User.id),
    ]
    if not down:
        runs.reverse()
    ids: list[int] = []
    for run in runs:
        if len(ids) == limit:
            break
        found = list(await session.scalars(run.offset(offset).limit(limit - len(ids))))
        if offset and not found:  # the offset passes this run: skip its length in the next
            size = select(func.count()).select_from(run.order_by(None).subquery())
            offset = max(0, offset - (await session.scalar(size) or 0))
        else:
            offset = 0
        ids += found
    return ids


async def count_people(
    session: AsyncSession, where: list[ColumnElement[bool]], *, reads_balance: bool
) -> int:
    """How many match. The balance join matters only to a filter on points, level or activity
    (everyone has a balance row), so without one this counts an index of users alone."""
    people = _people(where, reads_balance=reads_balance)
    statement = select(func.count()).select_from(people.subquery())
    return await session.scalar(statement) or 0


async def filtered_query(session: AsyncSession, chosen: PeopleFilter) -> Select[Any]:
    """The ids the filter matches, unordered: for the database to use where it wants them (a
    message to a view is one INSERT … SELECT, not a list carried through Python)."""
    return _base(await conditions(session, chosen)).with_only_columns(User.id)


def _level_name(levels: list[Level], earned: int, floor_id: int | None) -> str:
    """The person's level (levels in order of points): the last one their lifetime points
    reach or their floor, whichever comes later."""
    reached = [level.name for level in levels if level.min_points <= earned or level.id == floor_id]
    return reached[-1] if reached else ""


EXPORT_HEADER = [
    "Name",
    "Email",
    "Company",
    "Job title",
    "Roles",
    "Status",
    "Points",
    "Lifetime points",
    "Level",
    "Last activity",
    "Joined",
    "Referrals won",
    "Groups",
]


async def export_table(
    session: AsyncSession, chosen: PeopleFilter
) -> tuple[list[str], list[list[object]]]:
    """The filtered set as a CSV header and rows, in the table's order, with every custom
    profile field after the fixed columns."""
    where = await conditions(session, chosen)
    statement = _ordered(
        _base(where).add_columns(
            points, lifetime, last_activity, referrals_won, group_count, Balance.floor_level_id
        ),
        chosen,
    ).options(selectinload(User.roles))
    levels = sorted(await session.scalars(select(Level)), key=lambda level: level.min_points)
    fields = list(await session.scalars(select(ProfileField).order_by(ProfileField.position)))
    answers = await _answers(session, fields) if fields else {}
    rows: list[list[object]] = []
    for user, current, earned, active, won, groups, floor in await session.execute(statement):
        rows.append(
            [
                user.display_name,
                user.email,
                user.company,
                user.job_title,
                " ".join(sorted(role.value for role in user.role_set)),
                user.status,
                current,
                earned,
                _level_name(levels, earned, floor),
                active.isoformat() if active else "",
                user.created_at.isoformat(),
                won,
                groups,
                *(answers.get((user.id, field.id), "") for field in fields),
            ]
        )
    return [*EXPORT_HEADER, *(field.label for field in fields)], rows


async def _answers(session: AsyncSession, fields: list[ProfileField]) -> dict[tuple[int, int], str]:
    values = await session.execute(
        select(ProfileValue.user_id, ProfileValue.field_id, ProfileValue.value).where(
            ProfileValue.field_id.in_([field.id for field in fields])
        )
    )
    return {(user_id, field_id): value for user_id, field_id, value in values}
