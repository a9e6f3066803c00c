"""The overview: every figure for a period and for the period before it, and the outstanding
points. Points come from the daily totals the ledger keeps (`points_daily_totals`,
`points_earned_days`); only a group, which the totals know nothing of, reads its members' ledger
rows. With no group chosen, activity (earned, completed, referred, used content) and points are
everyone's, staff included if they take part, so no query joins the 100 000 advocates; the
counts of people (total, new, activation, active) are of advocates."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Interval, Select, case, distinct, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from portal.challenges.models import Submission, SubmissionStatus
from portal.content.models import AssetUse
from portal.i18n import N_
from portal.people.models import ActiveDay, GroupMember, Role, User, UserRole, UserStatus
from portal.points.models import (
    Balance,
    DailyTotal,
    EarnedDay,
    EntryKind,
    EntryState,
    LedgerEntry,
)
from portal.referrals.models import Referral, ReferralEvent, Stage
from portal.reports.periods import Period

ACTIVATION_DAYS = 30
QUALIFIED_OR_BEYOND = (Stage.QUALIFIED, Stage.OPPORTUNITY, Stage.WON)
BEFORE_QUALIFIED = (Stage.SUBMITTED, Stage.CONTACTED)
# Where issued points came from: the ledger row's source type → the report's name for it.
SOURCES = {"submission": N_("Challenges"), "referral": N_("Referrals"), "asset": N_("Content")}
ADJUSTMENTS, OTHER = N_("Adjustments"), N_("Other")
SOURCE_NAMES = [*SOURCES.values(), ADJUSTMENTS, OTHER]


class Unit(StrEnum):
    COUNT = "count"
    POINTS = "points"
    MONEY = "money"
    PERCENT = "percent"


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: float
    previous: float
    unit: Unit = Unit.COUNT

    @property
    def change(self) -> float | None:
        """The change against the previous period as a fraction; None when there was nothing
        to compare with."""
        if self.previous == 0:
            return None
        return (self.value - self.previous) / abs(self.previous)


@dataclass(frozen=True)
class Overview:
    period: Period
    previous: Period
    figures: list[Figure]
    by_source: list[tuple[str, int, int]]  # (source, points this period, previous period)

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)


def advocates(group_id: int | None) -> Select[int]:
    """The ids of everyone with the advocate role, or of those in one group."""
    query = select(UserRole.user_id).where(UserRole.role == Role.ADVOCATE)
    if group_id is not None:
        query = query.where(
            UserRole.user_id.in_(
                select(GroupMember.user_id).where(GroupMember.group_id == group_id)
            )
        )
    return query


def who(column: Any, group_id: int | None) -> list[ColumnElement[bool]]:
    """Everyone when no group is chosen (no filter at all); otherwise the group's advocates."""
    return [] if group_id is None else [column.in_(advocates(group_id))]


async def overview(
    session: AsyncSession, *, period: Period, group_id: int | None, points_per_money_unit: int
) -> Overview:
    held = int(
        await session.scalar(
            select(func.coalesce(func.sum(Balance.current), 0)).where(
                *who(Balance.user_id, group_id)
            )
        )
        or 0
    )
    (now, now_sources), (before, before_sources) = (
        await _figures(session, period, group_id, held),
        await _figures(session, period.previous, group_id, held),
    )
    joined_now, joined_before = await _people(session, period, group_id)
    now |= joined_now
    before |= joined_before
    now["issued"], before["issued"] = sum(now_sources.values()), sum(before_sources.values())

    def money(points: float) -> float:
        return round(points / points_per_money_unit, 2)

    def rate(part: str, whole: str, values: dict[str, float]) -> float:
        return values[part] / values[whole] if values[whole] else 0.0

    for values in (now, before):
        values["activation"] = rate("activated", "new", values)
        values["liability_value"] = money(values["liability"])
    figures = [
        Figure(key, label, now[key], before[key], unit)
        for key, label, unit in (
            ("advocates", N_("Advocates"), Unit.COUNT),
            ("new", N_("New advocates"), Unit.COUNT),
            ("active", N_("Active (signed in)"), Unit.COUNT),
            ("engaged", N_("Engaged (earned points)"), Unit.COUNT),
            ("activation", f"Activation (earned within {ACTIVATION_DAYS} days)", Unit.PERCENT),
            ("completions", N_("Challenge completions"), Unit.COUNT),
            ("content_uses", N_("Content uses"), Unit.COUNT),
            ("submitted", N_("Referrals submitted"), Unit.COUNT),
            ("qualified", N_("Referrals qualified"), Unit.COUNT),
            ("won", N_("Referrals won"), Unit.COUNT),
            ("won_value", N_("Won deal value"), Unit.MONEY),
            ("issued", N_("Points issued"), Unit.POINTS),
            ("redeemed", N_("Points redeemed"), Unit.POINTS),
            ("liability", N_("Outstanding points (at the end)"), Unit.POINTS),
            ("liability_value", N_("Outstanding points, money value"), Unit.MONEY),
        )
    ]
    by_source = [(name, now_sources[name], before_sources[name]) for name in SOURCE_NAMES]
    return Overview(period, period.previous, figures, by_source)


async def _figures(
    session: AsyncSession, period: Period, group_id: int | None, held: int
) -> tuple[dict[str, float], dict[str, int]]:
    """The period's figures, and the points issued in it by source."""
    people = advocates(group_id)
    start, end = period.start, period.end

    async def count(query: Select[Any]) -> int:
        return int(await session.scalar(query) or 0)

    won = (
        select(ReferralEvent.referral_id)
        .where(
            ReferralEvent.to_stage == Stage.WON,
            ReferralEvent.created_at >= start,
            ReferralEvent.created_at < end,
        )
        .distinct()
    )
    referred = who(Referral.referrer_id, group_id)
    earners = (
        select(EarnedDay.user_id)
        .where(
            EarnedDay.day >= period.first,
            EarnedDay.day <= period.last,
            *who(EarnedDay.user_id, group_id),
        )
        .distinct()
        # Ordered, PostgreSQL reads a long period as one pass over (user_id, day) instead of
        # hashing most of a million rows (~190 ms against ~500 ms for 90 days of seed-bench).
        .order_by(EarnedDay.user_id)
        .subquery()
    )
    # Everyone: distinct first, advocates after; PostgreSQL makes the period's 871 000 visits
    # into 98 000 people before joining them to the roles (~1.0 s against ~1.4 s for 90 days of
    # seed-bench under load, ~1.9 s with the roles inside). A group: its members inside, where
    # they cut the visits read.
    visitors = select(ActiveDay.user_id).where(
        ActiveDay.day >= period.first,
        ActiveDay.day <= period.last,
        *who(ActiveDay.user_id, group_id),
    )
    active = visitors.distinct().order_by(ActiveDay.user_id).subquery()
    moved = tally(await points_moved(session, group_id, period.first, period.last))
    since = tally(await points_moved(session, group_id, period.last + timedelta(days=1), None))
    return {
        "active": await count(
            select(func.count()).select_from(active).where(active.c.user_id.in_(people))
        ),
        "engaged": await count(select(func.count()).select_from(earners)),
        "completions": await count(
            select(func.count()).where(
                Submission.status == SubmissionStatus.APPROVED,
                Submission.decided_at >= start,
                Submission.decided_at < end,
                *who(Submission.user_id, group_id),
            )
        ),
        "content_uses": await count(
            select(func.count()).where(
                AssetUse.first_used_at >= start,
                AssetUse.first_used_at < end,
                *who(AssetUse.user_id, group_id),
            )
        ),
        "submitted": await count(
            select(func.count()).where(
                Referral.created_at >= start, Referral.created_at < end, *referred
            )
        ),
        "qualified": await count(
            select(func.count(distinct(ReferralEvent.referral_id)))
            .join(Referral, Referral.id == ReferralEvent.referral_id)
            .where(
                ReferralEvent.created_at >= start,
                ReferralEvent.created_at < end,
                ReferralEvent.to_stage.in_(QUALIFIED_OR_BEYOND),
                or_(
                    ReferralEvent.from_stage.is_(None),
                    ReferralEvent.from_stage.in_(BEFORE_QUALIFIED),
                ),
                *referred,
            )
        ),
        "won": await count(select(func.count()).where(Referral.id.in_(won), *referred)),
        "won_value": await count(
            select(func.coalesce(func.sum(Referral.deal_value), 0)).where(
                Referral.id.in_(won), *referred
            )
        ),
        "redeemed": moved.redeemed,
        # What people held at the end: today's balances minus what moved since.
        "liability": held - since.net,
    }, moved.issued


async def _people(
    session: AsyncSession, period: Period, group_id: int | None
) -> tuple[dict[str, float], dict[str, float]]:
    """Advocates at the end of the period and of the one before, those who joined in each, and
    how many of those earned within ACTIVATION_DAYS of joining: one pass over the advocates."""
    counts = []
    for p in (period, period.previous):
        joined_in = (User.created_at >= p.start) & (User.created_at < p.end)
        activated = joined_in & _within_days(
            session, User.created_at, Balance.first_earned_at, ACTIVATION_DAYS
        )
        counts += [
            func.count().filter(User.created_at < p.end),
            func.count().filter(joined_in),
            func.count().filter(activated),
        ]
    row = (
        await session.execute(
            select(*counts)
            .select_from(User)
            .outerjoin(Balance, Balance.user_id == User.id)
            .where(
                User.id.in_(advocates(group_id)),
                User.status == UserStatus.ACTIVE,
                User.created_at < period.end,
            )
        )
    ).one()
    keys = ("advocates", "new", "activated")
    return dict(zip(keys, row[:3], strict=True)), dict(zip(keys, row[3:], strict=True))


def _within_days(
    session: AsyncSession,
    earlier: QueryableAttribute[datetime],
    later: QueryableAttribute[datetime | None],
    days: int,
) -> ColumnElement[bool]:
    """`later` comes less than `days` days after `earlier`: adding days to a time is not
    portable SQL (SQLite keeps times as text)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(later) < func.julianday(earlier) + days
    return later < earlier + literal(timedelta(days=days), Interval())


Moved = list[tuple[str, str, int, int]]  # (kind, source type or "", points added, removed)


async def points_moved(
    session: AsyncSession, group_id: int | None, first: date, last: date | None
) -> Moved:
    """Points moved from day `first` to `last` (or until now), by kind and source: from the
    daily totals for everyone, from the members' ledger rows for a group."""
    if group_id is None:
        days = [DailyTotal.day >= first] + ([DailyTotal.day <= last] if last else [])
        query = (
            select(
                DailyTotal.kind,
                DailyTotal.source_type,
                func.sum(DailyTotal.added),
                func.sum(DailyTotal.removed),
            )
            .where(*days)
            .group_by(DailyTotal.kind, DailyTotal.source_type)
        )
    else:
        start = Period(first, first).start
        times = [LedgerEntry.created_at >= start]
        if last:
            times.append(LedgerEntry.created_at < Period(last, last).end)
        source = func.coalesce(LedgerEntry.source_type, "")
        query = (
            select(
                LedgerEntry.kind,
                source,
                func.sum(case((LedgerEntry.delta > 0, LedgerEntry.delta), else_=0)),
                func.sum(case((LedgerEntry.delta < 0, LedgerEntry.delta), else_=0)),
            )
            .where(
                *times,
                LedgerEntry.state == EntryState.POSTED,  # pending points count toward nothing
                *who(LedgerEntry.user_id, group_id),
            )
            .group_by(LedgerEntry.kind, source)
        )
    return [
        (kind, source, int(a or 0), int(r or 0))
        for kind, source, a, r in await session.execute(query)
    ]


@dataclass(frozen=True)
class Tally:
    issued: dict[str, int]  # by source: awards, and positive adjustments
    redeemed: int  # spends less refunds
    net: int  # every movement added up


def tally(moved: Moved) -> Tally:
    issued = dict.fromkeys(SOURCE_NAMES, 0)
    redeemed = net = 0
    for kind, source, added, removed in moved:
        net += added + removed
        if kind in (EntryKind.AWARD, EntryKind.ADJUST):
            name = SOURCES.get(source) or (ADJUSTMENTS if kind == EntryKind.ADJUST else OTHER)
            issued[name] += added
        elif kind == EntryKind.REVERSE:  # a clawback takes back what its source issued
            issued[SOURCES.get(source) or OTHER] += removed
        elif kind in (EntryKind.SPEND, EntryKind.REFUND):
            redeemed -= added + removed
    return Tally(issued, redeemed, net)
