"""The overview: every figure for a period and for the period before it, and the outstanding
points, in three statements. Points come from the daily totals the ledger keeps
(`points_daily_totals`); the distinct people active and engaged from the return-day counters
(`user_active_returns`, kept by the visit for advocates; `points_earner_returns`, kept by the
award); only a group, which those know nothing of, reads its members' visits, earned days and
ledger rows. With no group chosen, activity (earned, completed, referred, used content) and
points are everyone's, staff included if they take part, so no query joins the 100 000
advocates; the counts of people (total, new, activation, active) are of advocates ("active": an
advocate at their first visit of the period), the sign-ups of settled days from their daily
rollup (`report_signup_days`, see `signups`) and only the last month's from the users."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    case,
    distinct,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from portal.challenges.models import Submission, SubmissionStatus
from portal.content.models import AssetUse
from portal.i18n import N_
from portal.people.models import (
    ActiveDay,
    ActiveReturns,
    GroupMember,
    Role,
    User,
    UserRole,
    UserStatus,
)
from portal.points.models import (
    Balance,
    DailyTotal,
    EarnedDay,
    EarnerReturns,
    EntryKind,
    EntryState,
    LedgerEntry,
)
from portal.referrals.models import Referral, ReferralEvent, Stage
from portal.reports.periods import Period
from portal.reports.signups import ACTIVATION_DAYS, Split, settled_until, within_days

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
    """Every count of both periods and what people hold now in one statement, the points moved
    (both periods, and since: to take back from today's balances) in another; for everyone,
    first how far the sign-ups are rolled up."""
    counts = {"held": _held(group_id)}
    # The sign-ups rolled up by day know nothing of groups.
    until = None if group_id is not None else await settled_until(session)
    split = None if until is None else Split.at(until)
    for name, p in (("now", period), ("before", period.previous)):
        counts |= {f"{name} {key}": query for key, query in _counts(p, group_id).items()}
        if split is not None:
            counts |= split.settled(name, p)
    people = _people(session, period, group_id, split)
    won = [_won(name, p, group_id) for name, p in (("now", period), ("before", period.previous))]
    row = (
        await session.execute(
            select(
                *(query.scalar_subquery().label(key) for key, query in counts.items()),
                *people.c,
                *won[0].c,
                *won[1].c,
            )
            .select_from(people)
            .join(won[0], true())
            .join(won[1], true())
        )
    ).one()
    found = {key: int(value or 0) for key, value in row._mapping.items()}
    for key in [key for key in found if key.startswith("settled ")]:
        found[key.removeprefix("settled ")] += found.pop(key)
    moved_before, moved_now, since = (
        tally(moved)
        for moved in await points_moved(session, group_id, [period.previous, period], since=True)
    )
    now: dict[str, float] = {key[4:]: v for key, v in found.items() if key.startswith("now ")}
    before: dict[str, float] = {key[7:]: v for key, v in found.items() if key.startswith("before ")}
    for values, moved, after in (
        (now, moved_now, since.net),
        (before, moved_before, moved_now.net + since.net),
    ):
        values["issued"] = sum(moved.issued.values())
        values["redeemed"] = moved.redeemed
        # What people held at the end: today's balances minus what moved since.
        values["liability"] = found["held"] - after

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
    by_source = [(name, moved_now.issued[name], moved_before.issued[name]) for name in SOURCE_NAMES]
    return Overview(period, period.previous, figures, by_source)


def _held(group_id: int | None) -> Select[Any]:
    return select(func.coalesce(func.sum(Balance.current), 0)).where(
        *who(Balance.user_id, group_id)
    )


def _counts(period: Period, group_id: int | None) -> dict[str, Select[Any]]:
    """The period's counts, each one scalar query (asked together, as subqueries of one
    statement); the engaged and active people are counted from the daily rows of the UTC days
    the period reads (see `periods`)."""
    start, end = period.start, period.end
    referred = who(Referral.referrer_id, group_id)
    if group_id is None:
        # Each person once, on their first day in the period: the counters of the period's
        # days whose previous day came before it (see `ActiveReturns`, `EarnerReturns`).
        active = select(func.coalesce(func.sum(ActiveReturns.advocates), 0)).where(
            ActiveReturns.day >= period.rollup_first,
            ActiveReturns.day <= period.rollup_last,
            ActiveReturns.since < period.rollup_first,
        )
        engaged = select(func.coalesce(func.sum(EarnerReturns.earners), 0)).where(
            EarnerReturns.day >= period.rollup_first,
            EarnerReturns.day <= period.rollup_last,
            EarnerReturns.since < period.rollup_first,
        )
    else:  # the members' own days
        members = advocates(group_id)
        active_days = (
            select(ActiveDay.user_id)
            .where(
                ActiveDay.day >= period.rollup_first,
                ActiveDay.day <= period.rollup_last,
                ActiveDay.user_id.in_(members),
            )
            .distinct()
            .subquery()
        )
        earned_days = (
            select(EarnedDay.user_id)
            .where(
                EarnedDay.day >= period.rollup_first,
                EarnedDay.day <= period.rollup_last,
                EarnedDay.user_id.in_(members),
            )
            .distinct()
            .subquery()
        )
        active = select(func.count()).select_from(active_days)
        engaged = select(func.count()).select_from(earned_days)
    return {
        "active": active,
        "engaged": engaged,
        "completions": select(func.count()).where(
            Submission.status == SubmissionStatus.APPROVED,
            Submission.decided_at >= start,
            Submission.decided_at < end,
            *who(Submission.user_id, group_id),
        ),
        "content_uses": select(func.count()).where(
            AssetUse.first_used_at >= start,
            AssetUse.first_used_at < end,
            *who(AssetUse.user_id, group_id),
        ),
        "submitted": select(func.count()).where(
            Referral.created_at >= start, Referral.created_at < end, *referred
        ),
        "qualified": select(func.count(distinct(ReferralEvent.referral_id)))
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
        ),
    }


def _won(name: str, period: Period, group_id: int | None) -> Subquery:
    """The referrals won in the period and their deal value, one row (`<name> won`, `<name>
    won_value`): both from one pass over the won moves."""
    won = (
        select(ReferralEvent.referral_id)
        .where(
            ReferralEvent.to_stage == Stage.WON,
            ReferralEvent.created_at >= period.start,
            ReferralEvent.created_at < period.end,
        )
        .distinct()
    )
    return (
        select(
            func.count().label(f"{name} won"),
            func.coalesce(func.sum(Referral.deal_value), 0).label(f"{name} won_value"),
        )
        .where(Referral.id.in_(won), *who(Referral.referrer_id, group_id))
        .subquery()
    )


def _people(
    session: AsyncSession, period: Period, group_id: int | None, split: Split | None
) -> Subquery:
    """Advocates at the end of the period and of the one before, those who joined in each, and
    how many of those earned within ACTIVATION_DAYS of joining: one pass over the advocates (or,
    with the settled days rolled up, over those who joined since: see `signups`), one row (`now
    advocates`, ..., `before activated`)."""
    counts = []
    for name, p in (("now", period), ("before", period.previous)):
        start = p.start if split is None else split.live_start(p)
        joined_in = (User.created_at >= start) & (User.created_at < p.end)
        activated = joined_in & within_days(
            session, User.created_at, Balance.first_earned_at, ACTIVATION_DAYS
        )
        counts += [
            func.count().filter(User.created_at < p.end).label(f"{name} advocates"),
            func.count().filter(joined_in).label(f"{name} new"),
            func.count().filter(activated).label(f"{name} activated"),
        ]
    live = [] if split is None else [User.created_at >= split.since]
    return (
        select(*counts)
        .select_from(User)
        .outerjoin(Balance, Balance.user_id == User.id)
        .where(
            User.id.in_(advocates(group_id)),
            User.status == UserStatus.ACTIVE,
            User.created_at < period.end,
            *live,
        )
        .subquery()
    )


Moved = list[tuple[str, str, int, int]]  # (kind, source type or "", points added, removed)


async def points_moved(
    session: AsyncSession, group_id: int | None, spans: Sequence[Period], *, since: bool = False
) -> list[Moved]:
    """Points moved in each of `spans` (adjoining periods, oldest first), by kind and source,
    and with `since` also from the end of the last until now: one statement, from the daily
    totals of the UTC days each period reads for everyone, from the members' ledger rows, by
    the periods' own bounds, for a group."""
    day: Any
    kind: Any
    source: Any
    added: Any
    removed: Any
    if group_id is None:
        day = DailyTotal.day
        bounds = [(p.rollup_first, p.rollup_last + timedelta(days=1)) for p in spans]
        kind, source = DailyTotal.kind, DailyTotal.source_type
        added, removed = DailyTotal.added, DailyTotal.removed
        where: list[ColumnElement[bool]] = []
    else:
        day = LedgerEntry.created_at
        bounds = [(p.start, p.end) for p in spans]
        kind, source = LedgerEntry.kind, func.coalesce(LedgerEntry.source_type, "")
        added = case((LedgerEntry.delta > 0, LedgerEntry.delta), else_=0)
        removed = case((LedgerEntry.delta < 0, LedgerEntry.delta), else_=0)
        where = [
            LedgerEntry.state == EntryState.POSTED,  # pending points count toward nothing
            *who(LedgerEntry.user_id, group_id),
        ]
    where.append(day >= bounds[0][0])
    if not since:
        where.append(day < bounds[-1][1])
    span = case(*((day < end, n) for n, (_, end) in enumerate(bounds)), else_=len(bounds))
    moved: list[Moved] = [[] for _ in range(len(bounds) + since)]
    rows = await session.execute(
        select(span, kind, source, func.sum(added), func.sum(removed))
        .where(*where)
        .group_by(span, kind, source)
    )
    for n, k, s, a, r in rows:
        moved[n].append((k, s, int(a or 0), int(r or 0)))
    return moved


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
