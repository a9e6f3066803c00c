"""The referral funnel of the referrals submitted in a period (a cohort: each is followed to
where it is today): how many reached each stage, the conversion from one stage to the next,
the median days a referral spent in each stage, the won deal value, breakdowns by referrer,
source, campaign (the one its credited link carried), owner and prospect domain, and why
referrals were lost or rejected.

A referral reached a stage when its furthest stage (`reached_stage`) is that one or beyond, so
a referral moved straight to qualified counts as contacted too (it was paid for both). Days in
a stage are measured over finished stays only (from entering the stage to the next move)."""

from collections import Counter, defaultdict
from dataclasses import dataclass
from statistics import median
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    extract,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from portal.i18n import N_
from portal.people.models import User
from portal.referrals.models import (
    PIPELINE,
    Campaign,
    CloseReason,
    Referral,
    ReferralEvent,
    ReferralOrigin,
    Stage,
)
from portal.reports.overview import QUALIFIED_OR_BEYOND, advocates
from portal.reports.periods import Period

SECONDS_A_DAY = 86_400


@dataclass(frozen=True)
class StageRow:
    stage: Stage
    reached: int
    conversion: float | None  # reached this stage / reached the one before; None for the first
    median_days: float | None  # None when no referral has left the stage yet


@dataclass
class Breakdown:
    """One row of a breakdown table: a referrer, a source, a campaign, an owner or a prospect
    domain."""

    label: str
    submitted: int = 0
    qualified: int = 0  # reached qualified or beyond
    won: int = 0
    won_value: int = 0

    @property
    def win_rate(self) -> float:
        return self.won / self.submitted if self.submitted else 0.0


@dataclass(frozen=True)
class Closed:
    stage: Stage
    reason: str
    count: int


@dataclass(frozen=True)
class Funnel:
    period: Period
    stages: list[StageRow]
    won_value: int
    breakdowns: dict[str, list[Breakdown]]  # by BREAKDOWNS key, most submitted first
    sizes: dict[str, int]  # by BREAKDOWNS key: rows in the whole breakdown (a page shows a few)
    closed: list[Closed]
    total: int


BREAKDOWNS = {
    "referrer": N_("By referrer"),
    "source": N_("By source"),
    "campaign": N_("By campaign"),
    "owner": N_("By owner"),
    "domain": N_("By prospect domain"),
}
NO_EMAIL = "No email (a sale by referral code)"
NOBODY = "Nobody yet"
NO_CAMPAIGN = "No campaign"
WON = Referral.stage == Stage.WON


async def funnel(
    session: AsyncSession, *, period: Period, group_id: int | None, rows: int | None = None
) -> Funnel:
    """Everything is added up in the database; each breakdown keeps its first `rows` rows
    (None: all of them, for the CSV)."""
    chosen = [Referral.created_at >= period.start, Referral.created_at < period.end]
    if group_id is not None:
        chosen.append(Referral.referrer_id.in_(advocates(group_id)))
    furthest = Counter[Stage]()
    won_value = 0
    closed = []
    # The furthest stages and the close reasons, in one statement: (part, stage, reason, count,
    # won value).
    reached_part = (
        select(literal("reached"), Referral.reached_stage, null(), func.count(), _won_value())
        .where(*chosen)
        .group_by(Referral.reached_stage)
    )
    closed_part = (
        select(literal("closed"), Referral.stage, Referral.close_reason, func.count(), literal(0))
        .where(*chosen, Referral.close_reason.is_not(None))
        .group_by(Referral.stage, Referral.close_reason)
    )
    for part, stage, reason, count, value in await session.execute(
        union_all(reached_part, closed_part)
    ):
        if part == "reached":
            furthest[Stage(stage)] += count
            won_value += int(value or 0)
        else:
            closed.append((Stage(stage), str(reason), int(count)))
    reached = {
        stage: sum(n for s, n in furthest.items() if s.rank >= stage.rank) for stage in PIPELINE
    }
    days = await _median_days(session, chosen)
    stages = [
        StageRow(
            stage,
            reached[stage],
            None if n == 0 else _ratio(reached[stage], reached[PIPELINE[n - 1]]),
            days.get(stage),
        )
        for n, stage in enumerate(PIPELINE)
    ]
    labelled = await _labelled(session, chosen, rows)
    breakdowns, sizes = {}, {}
    for key in BREAKDOWNS:
        if key in labelled:
            breakdowns[key], sizes[key] = labelled[key]
        else:
            breakdowns[key], sizes[key] = await _by_person(session, key, chosen, rows)
    return Funnel(
        period=period,
        stages=stages,
        won_value=won_value,
        breakdowns=breakdowns,
        sizes=sizes,
        closed=[
            Closed(stage, CloseReason(reason).label, count)
            for stage, reason, count in sorted(
                closed, key=lambda row: (-row[2], row[0].value, row[1])
            )
        ],
        total=sum(furthest.values()),
    )


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _won_value() -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((WON, Referral.deal_value), else_=0)), 0)


def _person(key: str) -> tuple[ColumnElement[Any], Any]:
    """What a breakdown by person shows, and the referral's column naming the person."""
    if key == "referrer":
        return User.display_name.expression, Referral.referrer_id
    return func.coalesce(User.display_name, NOBODY), Referral.owner_id


def _label(session: AsyncSession, key: str) -> ColumnElement[Any]:
    """What a breakdown grouped by what it shows groups by."""
    if key == "source":
        return Referral.source.expression
    if key == "campaign":  # names are unique (case-insensitively), so the name groups
        return func.coalesce(Campaign.name, NO_CAMPAIGN)
    # The part after the "@" (addresses are stored validated, with one "@"); a sale reported by
    # referral code alone has no address ("").
    if session.get_bind().dialect.name == "sqlite":
        at = func.instr(Referral.prospect_email, "@")
        domain = func.substr(Referral.prospect_email, at + 1)
    else:
        domain = func.split_part(Referral.prospect_email, "@", 2)
    return case((Referral.prospect_email == "", NO_EMAIL), else_=domain)


def _measures() -> tuple[ColumnElement[Any], ...]:
    return (
        func.count().label("submitted"),
        func.count().filter(Referral.reached_stage.in_(QUALIFIED_OR_BEYOND)).label("qualified"),
        func.count().filter(WON).label("won"),
        _won_value().label("won_value"),
    )


LABELLED = ("source", "campaign", "domain")  # grouped by what they show


async def _labelled(
    session: AsyncSession, chosen: list[ColumnElement[bool]], rows: int | None
) -> dict[str, tuple[list[Breakdown], int]]:
    """The breakdowns grouped by what they show (a source, a campaign or a domain), in one
    statement: the first `rows` rows of each (all for None), most submitted first, then most
    won, then by name, with its place and the size of its whole breakdown on each row."""
    parts = []
    for key in LABELLED:
        label = _label(session, key)
        measures = _measures()
        submitted, won = func.count(), func.count().filter(WON)
        order = (submitted.desc(), won.desc(), _codepoint_order(session, label))
        query = select(
            literal(key).label("part"),
            label.label("label"),
            *measures,
            func.count().over().label("size"),
            func.row_number().over(order_by=order).label("place"),
        )
        if key == "campaign":  # most referrals have no origin row: outer joins
            query = (
                query.select_from(Referral)
                .outerjoin(ReferralOrigin, ReferralOrigin.referral_id == Referral.id)
                .outerjoin(Campaign, Campaign.id == ReferralOrigin.campaign_id)
            )
        each = query.where(*chosen).group_by(label).order_by(*order).limit(rows).subquery()
        parts.append(select(*each.c))
    found: dict[str, tuple[list[Breakdown], int]] = {key: ([], 0) for key in LABELLED}
    for part, label, submitted, qualified, won, value, size, _ in sorted(
        await session.execute(union_all(*parts)), key=lambda row: (row[0], row[7])
    ):
        found[part][0].append(_row(label, submitted, qualified, won, value))
        found[part] = (found[part][0], int(size))
    return found


async def _by_person(
    session: AsyncSession, key: str, chosen: list[ColumnElement[bool]], rows: int | None
) -> tuple[list[Breakdown], int]:
    """The first `rows` rows of a breakdown by referrer or owner (all for None), most
    submitted first, then most won, then by name; and how many rows the whole breakdown has."""
    label, person = _person(key)
    measures = _measures()
    # Grouped by the person (two people may share a name), named after the grouping: only the
    # rows that can make the first `rows` (those at or above the `rows`-th row's counts) are
    # named; one statement, with the size of the whole breakdown on each row.
    each = select(person.label("who"), *measures).where(*chosen).group_by(person).cte()
    c = each.c
    named = (
        select(
            label,
            c.submitted,
            c.qualified,
            c.won,
            c.won_value,
            select(func.count()).select_from(each).scalar_subquery(),
        )
        .select_from(each)
        .outerjoin(User, User.id == c.who)
        .order_by(c.submitted.desc(), c.won.desc(), _codepoint_order(session, label), c.who)
        .limit(rows)
    )
    if rows is not None:
        cut = (
            select(c.submitted, c.won)
            .order_by(c.submitted.desc(), c.won.desc())
            .offset(rows - 1)
            .limit(1)
        )
        # No `rows`-th row (a short breakdown): 0, below every row.
        least, least_won = (
            func.coalesce(cut.with_only_columns(column).scalar_subquery(), 0)
            for column in (c.submitted, c.won)
        )
        named = named.where(
            or_(c.submitted > least, and_(c.submitted == least, c.won >= least_won))
        )
    found = list(await session.execute(named))
    return [_row(*row[:5]) for row in found], int(found[0][5]) if found else 0


def _row(label: str | None, submitted: int, qualified: int, won: int, value: int) -> Breakdown:
    return Breakdown(label or "", int(submitted), int(qualified), int(won), int(value or 0))


def _codepoint_order(session: AsyncSession, label: ColumnElement[Any]) -> ColumnElement[Any]:
    """Labels in the order Python sorts them (PostgreSQL's default collation would not)."""
    if session.get_bind().dialect.name == "postgresql":
        return label.collate("C")
    return label


async def _median_days(
    session: AsyncSession, chosen: list[ColumnElement[bool]]
) -> dict[Stage, float]:
    """The median of the finished stays in each pipeline stage but won, in days (rounded to
    0.1): from the move into the stage to the referral's next move."""
    left = func.lead(ReferralEvent.created_at).over(
        partition_by=ReferralEvent.referral_id,
        order_by=(ReferralEvent.created_at, ReferralEvent.id),
    )
    sqlite = session.get_bind().dialect.name == "sqlite"
    days = (
        func.julianday(left) - func.julianday(ReferralEvent.created_at)
        if sqlite
        else extract("epoch", left - ReferralEvent.created_at) / SECONDS_A_DAY
    )
    stays = (
        select(ReferralEvent.to_stage.label("stage"), days.label("days"))
        .join(Referral, Referral.id == ReferralEvent.referral_id)
        .where(*chosen)
        .subquery()
    )
    finished = (stays.c.days.is_not(None), stays.c.stage.in_(PIPELINE[:-1]))
    if sqlite:  # no percentile function: the stays of a small database, halved here
        each: dict[Stage, list[float]] = defaultdict(list)
        for stage, stay in await session.execute(
            select(stays.c.stage, stays.c.days).where(*finished)
        ):
            each[Stage(stage)].append(float(stay))
        return {stage: round(median(values), 1) for stage, values in each.items()}
    middle = func.percentile_cont(0.5).within_group(stays.c.days)
    rows = await session.execute(
        select(stays.c.stage, middle).where(*finished).group_by(stays.c.stage)
    )
    return {Stage(stage): round(float(value), 1) for stage, value in rows}
