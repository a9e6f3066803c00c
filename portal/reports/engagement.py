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

from sqlalchemy import ColumnElement, Select, Subquery, and_, case, func, or_, select, union_all
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
from portal.reports.names import names_of
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
    return Engagement(
        period=period,
        days=await _days(session, period, group_id),
        challenges=await _challenges(session, period, group_id),
        content=await _content(session, period, group_id),
        advocates=await top_advocates(session, period, group_id, values),
        quiet_counts=quiet_counts,
        quiet=quiet,
    )


async def _per_day(session: AsyncSession, query: Select[date, int]) -> dict[date, int]:
    return {day: int(n) for day, n in await session.execute(query)}


async def _days(session: AsyncSession, period: Period, group_id: int | None) -> list[Day]:
    if group_id is None:
        active = await _per_day(
            session,
            select(DailyActives.day, func.sum(DailyActives.advocates))
            .where(DailyActives.day >= period.rollup_first, DailyActives.day <= period.rollup_last)
            .group_by(DailyActives.day),
        )
        engaged = await _per_day(
            session,
            select(DailyEarners.day, func.sum(DailyEarners.earners))
            .where(DailyEarners.day >= period.rollup_first, DailyEarners.day <= period.rollup_last)
            .group_by(DailyEarners.day),
        )
    else:
        active = await _per_day(
            session,
            select(ActiveDay.day, func.count())
            .where(
                ActiveDay.day >= period.rollup_first,
                ActiveDay.day <= period.rollup_last,
                ActiveDay.user_id.in_(advocates(group_id)),
            )
            .group_by(ActiveDay.day),
        )
        engaged = await _per_day(
            session,
            select(EarnedDay.day, func.count())
            .where(
                EarnedDay.day >= period.rollup_first,
                EarnedDay.day <= period.rollup_last,
                *who(EarnedDay.user_id, group_id),
            )
            .group_by(EarnedDay.day),
        )
    points: dict[date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SOURCE_NAMES, 0))
    for day, kind, source, added in await _issued_by_day(session, period, group_id):
        name = SOURCES.get(source) or (ADJUSTMENTS if kind == EntryKind.ADJUST else OTHER)
        points[day][name] += added
    utc_days = [(day, day + period.rollup_shift) for day in period.each_day()]
    return [Day(day, active.get(u, 0), engaged.get(u, 0), points[u]) for day, u in utc_days]


async def _issued_by_day(
    session: AsyncSession, period: Period, group_id: int | None
) -> list[tuple[date, str, str, int]]:
    """(day, kind, source type, points added) for awards and adjustments."""
    if group_id is None:
        rows = await session.execute(
            select(
                DailyTotal.day, DailyTotal.kind, DailyTotal.source_type, func.sum(DailyTotal.added)
            )
            .where(
                DailyTotal.day >= period.rollup_first,
                DailyTotal.day <= period.rollup_last,
                DailyTotal.kind.in_(ISSUING),
            )
            .group_by(DailyTotal.day, DailyTotal.kind, DailyTotal.source_type)
        )
        return [(day, kind, source, int(added or 0)) for day, kind, source, added in rows]
    # A group's members' rows, added up by UTC day here (portable, and a group is small), over
    # the UTC days everyone's rollups are read for.
    entries = await session.execute(
        select(
            LedgerEntry.created_at, LedgerEntry.kind, LedgerEntry.source_type, LedgerEntry.delta
        ).where(
            LedgerEntry.created_at >= Period(period.rollup_first, period.rollup_first).start,
            LedgerEntry.created_at < Period(period.rollup_last, period.rollup_last).end,
            LedgerEntry.kind.in_(ISSUING),
            LedgerEntry.state == EntryState.POSTED,  # pending points count toward nothing
            LedgerEntry.delta > 0,
            *who(LedgerEntry.user_id, group_id),
        )
    )
    return [(at.date(), kind, source or "", delta) for at, kind, source, delta in entries]


async def _challenges(
    session: AsyncSession, period: Period, group_id: int | None
) -> list[ChallengeRow]:
    approved = Submission.status == SubmissionStatus.APPROVED
    completions = func.count().filter(approved)
    rows = await session.execute(
        select(
            Challenge.title,
            completions,
            func.coalesce(func.sum(case((approved, Submission.points), else_=0)), 0),
            func.count(),
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
    )
    return [ChallengeRow(title, int(n), int(p), int(d)) for title, n, p, d in rows]


async def _content(session: AsyncSession, period: Period, group_id: int | None) -> list[ContentRow]:
    uses = func.count()
    rows = await session.execute(
        select(Asset.title, uses)
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
    )
    return [ContentRow(title, int(n)) for title, n in rows]


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
    top = await session.execute(
        select(parts.c.user_id, issued)
        .where(parts.c.user_id.in_(advocates(group_id)))
        .group_by(parts.c.user_id)
        .order_by(issued.desc(), parts.c.user_id)
        .limit(TOP)
    )
    rows = {user_id: AdvocateRow(user_id, points=int(points)) for user_id, points in top}
    for user_id, kind, count, deal_value in await acts(session, period, group_id, set(rows)):
        if user_id in rows:
            rows[user_id].value += worth(values, kind, count, deal_value)
            if kind == REFERRAL_WON:
                rows[user_id].referrals_won += count
    names = await names_of(session, set(rows))
    for row in rows.values():
        row.name = names.get(row.user_id, "")
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

    people = (
        select()
        .select_from(User)
        .outerjoin(Balance, Balance.user_id == User.id)
        .where(User.id.in_(advocates(group_id)), User.status == UserStatus.ACTIVE)
    )
    counts = (
        await session.execute(
            people.add_columns(*(func.count().filter(quiet_for(days)) for days in QUIET_DAYS))
        )
    ).one()
    lifetime = func.coalesce(Balance.lifetime, 0)
    rows = await session.execute(
        people.add_columns(
            User.id,
            User.display_name,
            User.email,
            User.last_seen_at,
            Balance.last_earned_at,
            lifetime,
        )
        .where(quiet_for(QUIET_DAYS[0]))
        .order_by(lifetime.desc(), User.id)
        .limit(limit)
    )
    quiet = [
        QuietRow(uid, name, email, max((t for t in (seen, earned) if t), default=None), int(pts))
        for uid, name, email, seen, earned, pts in rows
    ]
    return dict(zip(QUIET_DAYS, (int(n) for n in counts), strict=True)), quiet
