"""Engagement over a period: each day's active (signed in) and engaged (earned points)
advocates and points issued by source; the challenges, content and advocates that did the
most; and the advocates who have gone quiet (no visit and no points for 30, 60 or 90 days,
counted as of today whatever the period).

Everyone's daily figures read the rollups kept beside the data they count: advocates active per
day (`user_daily_actives`, kept by the visit), people awarded points per day
(`points_daily_earners`) and points moved per day (`points_daily_totals`), both kept by the
ledger transaction; a group, which those know nothing of, reads its members' visits, earned days
and ledger rows, as the overview does. Top advocates add up the points issued to each person per
UTC month (`points_issued_months`) for the period's whole months and per day
(`points_issued_days`) for its ends, not the ledger."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    and_,
    case,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from portal.challenges.models import Challenge, Submission, SubmissionStatus
from portal.clock import utcnow
from portal.content.models import Asset, AssetUse
from portal.people.models import ActiveDay, DailyActives, User, UserStatus
from portal.points.models import (
    Balance,
    DailyEarners,
    DailyTotal,
    EarnedDay,
    EntryKind,
    EntryState,
    IssuedDay,
    IssuedMonth,
    LedgerEntry,
)
from portal.reports.overview import ADJUSTMENTS, OTHER, SOURCE_NAMES, SOURCES, advocates, who
from portal.reports.periods import Period
from portal.reports.value import REFERRAL_WON, ValueSettings, acts, worth

TOP = 10
QUIET_DAYS = (30, 60, 90)
QUIET_SHOWN = 25  # on the page; the CSV has them all
ISSUING = (EntryKind.AWARD, EntryKind.ADJUST)


@dataclass(frozen=True)
class Day:
    day: date
    active: int
    engaged: int
    points: dict[str, int]  # by source name


@dataclass(frozen=True)
class ChallengeRow:
    title: str
    completions: int
    points: int
    decided: int  # approved and rejected

    @property
    def approval_rate(self) -> float | None:
        return self.completions / self.decided if self.decided else None


@dataclass(frozen=True)
class ContentRow:
    title: str
    uses: int


@dataclass
class AdvocateRow:
    user_id: int
    name: str = ""
    points: int = 0
    referrals_won: int = 0
    value: int = 0


@dataclass(frozen=True)
class QuietRow:
    user_id: int
    name: str
    email: str
    last_active: datetime | None  # the last visit or points, whichever came later
    lifetime: int


@dataclass(frozen=True)
class Engagement:
    period: Period
    days: list[Day]
    challenges: list[ChallengeRow]
    content: list[ContentRow]
    advocates: list[AdvocateRow]
    quiet_counts: dict[int, int]  # days → advocates quiet that long
    quiet: list[QuietRow]  # the first QUIET_SHOWN quiet QUIET_DAYS[0] days or more


async def engagement(
    session: AsyncSession, *, period: Period, group_id: int | None, values: ValueSettings
) -> Engagement:
    quiet_counts, quiet = await quiet_advocates(session, group_id=group_id, limit=QUIET_SHOWN)
    challenges, content = await _top_lists(session, period, group_id)
    return Engagement(
        period=period,
        days=await _days(session, period, group_id),
        challenges=challenges,
        content=content,
        advocates=await top_advocates(session, period, group_id, values),
        quiet_counts=quiet_counts,
        quiet=quiet,
    )


async def _days(session: AsyncSession, period: Period, group_id: int | None) -> list[Day]:
    """Each day's active and engaged people and points issued by source, read in one statement
    (rows of `(series, UTC day, kind, source type, number)`) from the rollups for everyone,
    from the members' visits, earned days and ledger rows for a group."""
    first, last = period.rollup_first, period.rollup_last
    no_kind = (null(), null())
    people: list[Select[*tuple[Any, ...]]]
    if group_id is None:
        people = [
            select(literal("active"), DailyActives.day, *no_kind, func.sum(DailyActives.advocates))
            .where(DailyActives.day >= first, DailyActives.day <= last)
            .group_by(DailyActives.day),
            select(literal("engaged"), DailyEarners.day, *no_kind, func.sum(DailyEarners.earners))
            .where(DailyEarners.day >= first, DailyEarners.day <= last)
            .group_by(DailyEarners.day),
        ]
    else:
        people = [
            select(literal("active"), ActiveDay.day, *no_kind, func.count())
            .where(
                ActiveDay.day >= first,
                ActiveDay.day <= last,
                ActiveDay.user_id.in_(advocates(group_id)),
            )
            .group_by(ActiveDay.day),
            select(literal("engaged"), EarnedDay.day, *no_kind, func.count())
            .where(EarnedDay.day >= first, EarnedDay.day <= last, *who(EarnedDay.user_id, group_id))
            .group_by(EarnedDay.day),
        ]
    counted: dict[str, dict[date, int]] = {"active": {}, "engaged": {}}
    points: dict[date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SOURCE_NAMES, 0))

    def add(day: date, kind: str, source: str | None, added: int) -> None:
        name = SOURCES.get(source or "") or (ADJUSTMENTS if kind == EntryKind.ADJUST else OTHER)
        points[day][name] += added

    issued = _issued_by_day(period, group_id)
    if group_id is None:
        people.append(issued)
    else:  # a group's ledger rows, added up by UTC day here: portable, and a group is small
        for at, kind, source, delta in await session.execute(issued):
            add(at.date(), kind, source, int(delta))
    for series, day, kind, source, n in await session.execute(union_all(*people)):
        if series == "points":
            add(_a_date(day), kind, source, int(n or 0))
        else:
            counted[series][_a_date(day)] = int(n)
    utc_days = [(day, day + period.rollup_shift) for day in period.each_day()]
    return [
        Day(day, counted["active"].get(u, 0), counted["engaged"].get(u, 0), points[u])
        for day, u in utc_days
    ]


def _a_date(day: date | str) -> date:
    """A day from a union (SQLite gives its text)."""
    return day if isinstance(day, date) else date.fromisoformat(day)


def _issued_by_day(period: Period, group_id: int | None) -> Select[*tuple[Any, ...]]:
    """Points issued (awards and adjustments) by UTC day, kind and source from the daily totals
    for everyone; a group's members' rows (time, kind, source, points) over the same UTC days."""
    if group_id is None:
        return (
            select(
                literal("points"),
                DailyTotal.day,
                DailyTotal.kind,
                DailyTotal.source_type,
                func.sum(DailyTotal.added),
            )
            .where(
                DailyTotal.day >= period.rollup_first,
                DailyTotal.day <= period.rollup_last,
                DailyTotal.kind.in_(ISSUING),
            )
            .group_by(DailyTotal.day, DailyTotal.kind, DailyTotal.source_type)
        )
    return select(
        LedgerEntry.created_at, LedgerEntry.kind, LedgerEntry.source_type, LedgerEntry.delta
    ).where(
        LedgerEntry.created_at >= Period(period.rollup_first, period.rollup_first).start,
        LedgerEntry.created_at < Period(period.rollup_last, period.rollup_last).end,
        LedgerEntry.kind.in_(ISSUING),
        LedgerEntry.state == EntryState.POSTED,  # pending points count toward nothing
        LedgerEntry.delta > 0,
        *who(LedgerEntry.user_id, group_id),
    )


async def _top_lists(
    session: AsyncSession, period: Period, group_id: int | None
) -> tuple[list[ChallengeRow], list[ContentRow]]:
    """The top challenges (completions, points, approval) and the top content (uses), in one
    statement: each list ranked and cut in its own subquery, its rank kept for the order."""
    approved = Submission.status == SubmissionStatus.APPROVED
    completions = func.count().filter(approved)
    challenges = (
        select(
            literal("challenge").label("list"),
            func.row_number().over(order_by=(completions.desc(), Challenge.title)).label("rank"),
            Challenge.title.label("title"),
            completions.label("n"),
            func.coalesce(func.sum(case((approved, Submission.points), else_=0)), 0).label("pts"),
            func.count().label("decided"),
        )
        .select_from(Submission)
        .join(Challenge, Challenge.id == Submission.challenge_id)
        .where(
            Submission.status.in_((SubmissionStatus.APPROVED, SubmissionStatus.REJECTED)),
            Submission.decided_at >= period.start,
            Submission.decided_at < period.end,
            *who(Submission.user_id, group_id),
        )
        .group_by(Challenge.id, Challenge.title)
        .order_by(completions.desc(), Challenge.title)
        .limit(TOP)
        .subquery()
    )
    uses = func.count()
    content = (
        select(
            literal("content").label("list"),
            func.row_number().over(order_by=(uses.desc(), Asset.title)).label("rank"),
            Asset.title.label("title"),
            uses.label("n"),
            literal(0).label("pts"),
            literal(0).label("decided"),
        )
        .select_from(AssetUse)
        .join(Asset, Asset.id == AssetUse.asset_id)
        .where(
            AssetUse.first_used_at >= period.start,
            AssetUse.first_used_at < period.end,
            *who(AssetUse.user_id, group_id),
        )
        .group_by(Asset.id, Asset.title)
        .order_by(uses.desc(), Asset.title)
        .limit(TOP)
        .subquery()
    )
    rows = sorted(
        await session.execute(union_all(select(challenges), select(content))),
        key=lambda row: (row.list, row.rank),
    )
    return (
        [
            ChallengeRow(r.title, int(r.n), int(r.pts), int(r.decided))
            for r in rows
            if r.list == "challenge"
        ],
        [ContentRow(r.title, int(r.n)) for r in rows if r.list == "content"],
    )


def issued_parts(first: date, last: date) -> Subquery:
    """(user_id, points) rows that add up to the points issued to each person from `first` to
    `last`: the whole UTC months between them from the month rollup, the days at either end
    from the day rows (a 90-day period reads two or three months and about a month of days)."""
    whole_from = first if first.day == 1 else _next_month(first)
    whole_to = (last + timedelta(days=1)).replace(day=1)  # months before it end by `last`
    days = select(IssuedDay.user_id, IssuedDay.points)
    if whole_from >= whole_to:
        return days.where(IssuedDay.day >= first, IssuedDay.day <= last).subquery()
    months = select(IssuedMonth.user_id, IssuedMonth.points).where(
        IssuedMonth.month >= whole_from, IssuedMonth.month < whole_to
    )
    ends = days.where(
        or_(
            and_(IssuedDay.day >= first, IssuedDay.day < whole_from),
            and_(IssuedDay.day >= whole_to, IssuedDay.day <= last),
        )
    )
    return union_all(months, ends).subquery()


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


async def top_advocates(
    session: AsyncSession, period: Period, group_id: int | None, values: ValueSettings
) -> list[AdvocateRow]:
    """The advocates who were issued the most points in the period, with the referrals they
    won and the value they created."""
    parts = issued_parts(period.rollup_first, period.rollup_last)
    issued = func.sum(parts.c.points)
    top = (
        select(parts.c.user_id, issued.label("points"))
        .where(parts.c.user_id.in_(advocates(group_id)))
        .group_by(parts.c.user_id)
        .order_by(issued.desc(), parts.c.user_id)
        .limit(TOP)
        .subquery()
    )
    named = await session.execute(  # named after the ranking: the ten it keeps
        select(top.c.user_id, User.display_name, top.c.points)
        .outerjoin(User, User.id == top.c.user_id)
        .order_by(top.c.points.desc(), top.c.user_id)
    )
    rows = {
        user_id: AdvocateRow(user_id, name or "", points=int(points))
        for user_id, name, points in named
    }
    for user_id, kind, count, deal_value in await acts(session, period, group_id, set(rows)):
        if user_id in rows:
            rows[user_id].value += worth(values, kind, count, deal_value)
            if kind == REFERRAL_WON:
                rows[user_id].referrals_won += count
    return list(rows.values())


async def quiet_advocates(
    session: AsyncSession, *, group_id: int | None, limit: int | None
) -> tuple[dict[int, int], list[QuietRow]]:
    """How many advocates have been quiet 30, 60 and 90 days, and those quiet 30 or more (the
    first `limit`), the most lifetime points first: the ones most worth winning back."""
    now = utcnow()

    def quiet_for(days: int) -> ColumnElement[bool]:
        cutoff = now - timedelta(days=days)
        return (
            (User.created_at < cutoff)
            & or_(User.last_seen_at.is_(None), User.last_seen_at < cutoff)
            & or_(Balance.last_earned_at.is_(None), Balance.last_earned_at < cutoff)
        )

    lifetime = func.coalesce(Balance.lifetime, 0)
    # The counts ride on the list's rows (everyone in the list is quiet 30 days or more, so
    # nobody in it means every count is 0): one statement.
    rows = list(
        await session.execute(
            select(
                User.id,
                User.display_name,
                User.email,
                User.last_seen_at,
                Balance.last_earned_at,
                lifetime,
                *(func.sum(case((quiet_for(days), 1), else_=0)).over() for days in QUIET_DAYS),
            )
            .select_from(User)
            .outerjoin(Balance, Balance.user_id == User.id)
            .where(
                User.id.in_(advocates(group_id)),
                User.status == UserStatus.ACTIVE,
                quiet_for(QUIET_DAYS[0]),
            )
            .order_by(lifetime.desc(), User.id)
            .limit(limit)
        )
    )
    quiet = [
        QuietRow(uid, name, email, max((t for t in (seen, earned) if t), default=None), int(pts))
        for uid, name, email, seen, earned, pts, *_ in rows
    ]
    counts = rows[0][6:] if rows else [0] * len(QUIET_DAYS)
    return dict(zip(QUIET_DAYS, (int(n) for n in counts), strict=True)), quiet
