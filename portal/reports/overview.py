"""The overview: every figure for a period and for the period before it, read with indexed range
queries (the ledger by `created_at`, people's active days by day), and the outstanding points."""

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, case, distinct, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.challenges.models import Submission, SubmissionStatus
from portal.content.models import AssetUse
from portal.people.models import ActiveDay, GroupMember, Role, User, UserRole, UserStatus
from portal.points.models import Balance, EntryKind, LedgerEntry
from portal.referrals.models import Referral, ReferralEvent, Stage
from portal.reports.periods import Period

ACTIVATION_DAYS = 30
QUALIFIED_OR_BEYOND = (Stage.QUALIFIED, Stage.OPPORTUNITY, Stage.WON)
BEFORE_QUALIFIED = (Stage.SUBMITTED, Stage.CONTACTED)
# Where issued points came from: the ledger row's source type → the report's name for it.
SOURCES = {"submission": "Challenges", "referral": "Referrals", "asset": "Content"}
ADJUSTMENTS, OTHER = "Adjustments", "Other"
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


async def overview(
    session: AsyncSession, *, period: Period, group_id: int | None, points_per_money_unit: int
) -> Overview:
    now, before = (
        await _figures(session, period, group_id),
        await _figures(session, period.previous, group_id),
    )
    now_sources, before_sources = (
        await _issued_by_source(session, period, group_id),
        await _issued_by_source(session, period.previous, group_id),
    )
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
            ("advocates", "Advocates", Unit.COUNT),
            ("new", "New advocates", Unit.COUNT),
            ("active", "Active (signed in)", Unit.COUNT),
            ("engaged", "Engaged (earned points)", Unit.COUNT),
            ("activation", f"Activation (earned within {ACTIVATION_DAYS} days)", Unit.PERCENT),
            ("completions", "Challenge completions", Unit.COUNT),
            ("content_uses", "Content uses", Unit.COUNT),
            ("submitted", "Referrals submitted", Unit.COUNT),
            ("qualified", "Referrals qualified", Unit.COUNT),
            ("won", "Referrals won", Unit.COUNT),
            ("won_value", "Won deal value", Unit.MONEY),
            ("issued", "Points issued", Unit.POINTS),
            ("redeemed", "Points redeemed", Unit.POINTS),
            ("liability", "Outstanding points (at the end)", Unit.POINTS),
            ("liability_value", "Outstanding points, money value", Unit.MONEY),
        )
    ]
    by_source = [(name, now_sources[name], before_sources[name]) for name in SOURCE_NAMES]
    return Overview(period, period.previous, figures, by_source)


async def _figures(session: AsyncSession, period: Period, group_id: int | None) -> dict[str, float]:
    people = advocates(group_id)
    start, end = period.start, period.end

    async def count(query: Select[Any]) -> int:
        return int(await session.scalar(query) or 0)

    joined = select(User.id, User.created_at).where(
        User.id.in_(people), User.status == UserStatus.ACTIVE
    )
    new = joined.where(User.created_at >= start, User.created_at < end).subquery()
    won = (
        select(ReferralEvent.referral_id)
        .where(
            ReferralEvent.to_stage == Stage.WON,
            ReferralEvent.created_at >= start,
            ReferralEvent.created_at < end,
        )
        .distinct()
    )
    referred = Referral.referrer_id.in_(people)
    return {
        "advocates": await count(
            select(func.count()).select_from(joined.where(User.created_at < end).subquery())
        ),
        "new": await count(select(func.count()).select_from(new)),
        "activated": await _activated(session, new),
        "active": await count(
            select(func.count(distinct(ActiveDay.user_id))).where(
                ActiveDay.day >= period.first,
                ActiveDay.day <= period.last,
                ActiveDay.user_id.in_(people),
            )
        ),
        "engaged": await count(
            select(func.count(distinct(LedgerEntry.user_id))).where(
                *_ledger_in(period),
                LedgerEntry.kind == EntryKind.AWARD,
                LedgerEntry.user_id.in_(people),
            )
        ),
        "completions": await count(
            select(func.count()).where(
                Submission.status == SubmissionStatus.APPROVED,
                Submission.decided_at >= start,
                Submission.decided_at < end,
                Submission.user_id.in_(people),
            )
        ),
        "content_uses": await count(
            select(func.count()).where(
                AssetUse.first_used_at >= start,
                AssetUse.first_used_at < end,
                AssetUse.user_id.in_(people),
            )
        ),
        "submitted": await count(
            select(func.count()).where(
                Referral.created_at >= start, Referral.created_at < end, referred
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
                referred,
            )
        ),
        "won": await count(select(func.count()).where(Referral.id.in_(won), referred)),
        "won_value": await count(
            select(func.coalesce(func.sum(Referral.deal_value), 0)).where(
                Referral.id.in_(won), referred
            )
        ),
        "redeemed": await count(
            select(-func.coalesce(func.sum(LedgerEntry.delta), 0)).where(
                *_ledger_in(period),
                LedgerEntry.kind.in_((EntryKind.SPEND, EntryKind.REFUND)),
                LedgerEntry.user_id.in_(people),
            )
        ),
        "liability": await _liability_at(session, period, people),
    }


async def _activated(session: AsyncSession, new: Subquery) -> int:
    """New people who earned points within ACTIVATION_DAYS of joining (compared here: adding
    days to a time is not portable SQL)."""
    first_award = (
        select(func.min(LedgerEntry.created_at))
        .where(LedgerEntry.user_id == new.c.id, LedgerEntry.kind == EntryKind.AWARD)
        .scalar_subquery()
    )
    rows = await session.execute(select(new.c.created_at, first_award))
    window = timedelta(days=ACTIVATION_DAYS)
    return sum(1 for joined, earned in rows if earned is not None and earned < joined + window)


def _ledger_in(period: Period) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return (LedgerEntry.created_at >= period.start, LedgerEntry.created_at < period.end)


async def _liability_at(session: AsyncSession, period: Period, people: Select[int]) -> int:
    """The points people held at the end of the period: today's balances, minus what moved since
    (so any past period is exact, from one indexed range of the ledger)."""
    held = await session.scalar(
        select(func.coalesce(func.sum(Balance.current), 0)).where(Balance.user_id.in_(people))
    )
    since = await session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.delta), 0)).where(
            LedgerEntry.created_at >= period.end, LedgerEntry.user_id.in_(people)
        )
    )
    return int(held or 0) - int(since or 0)


async def _issued_by_source(
    session: AsyncSession, period: Period, group_id: int | None
) -> dict[str, int]:
    """Points earned in the period by where they came from (awards, and positive adjustments)."""
    source = case(
        *((LedgerEntry.source_type == key, name) for key, name in SOURCES.items()),
        (LedgerEntry.kind == EntryKind.ADJUST, ADJUSTMENTS),
        else_=OTHER,
    ).label("source")
    rows = await session.execute(
        select(source, func.sum(LedgerEntry.delta))
        .where(
            *_ledger_in(period),
            LedgerEntry.delta > 0,
            LedgerEntry.kind.in_((EntryKind.AWARD, EntryKind.ADJUST)),
            LedgerEntry.user_id.in_(advocates(group_id)),
        )
        .group_by(source)
    )
    totals = dict.fromkeys(SOURCE_NAMES, 0)
    for name, points in rows:
        totals[name] = int(points or 0)
    return totals
