"""The referral funnel of the referrals submitted in a period (a cohort: each is followed to
where it is today): how many reached each stage, the conversion from one stage to the next,
the median days a referral spent in each stage, the won deal value, breakdowns by referrer,
source, owner and prospect domain, and why referrals were lost or rejected.

A referral reached a stage when its furthest stage (`reached_stage`) is that one or beyond, so
a referral moved straight to qualified counts as contacted too (it was paid for both). Days in
a stage are measured over finished stays only (from entering the stage to the next move)."""

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from statistics import median

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.referrals.models import PIPELINE, CloseReason, Referral, ReferralEvent, Stage
from portal.reports.names import names_of
from portal.reports.overview import advocates
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
    """One row of a breakdown table: a referrer, a source, an owner or a prospect domain."""

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
    closed: list[Closed]
    total: int


@dataclass(frozen=True)
class _Referral:
    id: int
    referrer_id: int
    owner_id: int | None
    source: str
    email: str  # "" for a sale reported by referral code alone
    stage: Stage
    reached: Stage
    reason: str | None
    deal_value: int | None


BREAKDOWNS = {
    "referrer": "By referrer",
    "source": "By source",
    "owner": "By owner",
    "domain": "By prospect domain",
}
NO_EMAIL = "No email (a sale by referral code)"
NOBODY = "Nobody yet"


async def funnel(session: AsyncSession, *, period: Period, group_id: int | None) -> Funnel:
    query = select(
        Referral.id,
        Referral.referrer_id,
        Referral.owner_id,
        Referral.source,
        Referral.prospect_email,
        Referral.stage,
        Referral.reached_stage,
        Referral.close_reason,
        Referral.deal_value,
    ).where(Referral.created_at >= period.start, Referral.created_at < period.end)
    if group_id is not None:
        query = query.where(Referral.referrer_id.in_(advocates(group_id)))
    referrals = [_Referral(*row) for row in await session.execute(query)]
    reached = Counter[Stage]()
    for referral in referrals:
        for stage in PIPELINE[: Stage(referral.reached).rank + 1]:
            reached[stage] += 1
    days = await _days_in_stages(session, [r.id for r in referrals])
    stages = [
        StageRow(
            stage,
            reached[stage],
            None if n == 0 else _ratio(reached[stage], reached[PIPELINE[n - 1]]),
            round(median(days[stage]), 1) if days[stage] else None,
        )
        for n, stage in enumerate(PIPELINE)
    ]
    people = {r.referrer_id for r in referrals} | {r.owner_id for r in referrals if r.owner_id}
    names = await names_of(session, people)
    keys: dict[str, Callable[[_Referral], str]] = {
        "referrer": lambda r: names.get(r.referrer_id, ""),
        "source": lambda r: r.source,
        "owner": lambda r: names.get(r.owner_id, "") if r.owner_id else NOBODY,
        "domain": lambda r: r.email.rpartition("@")[2] if r.email else NO_EMAIL,
    }
    closed = Counter((Stage(r.stage), r.reason) for r in referrals if r.reason)
    return Funnel(
        period=period,
        stages=stages,
        won_value=sum(r.deal_value or 0 for r in referrals if r.stage == Stage.WON),
        breakdowns={name: _breakdown(referrals, key) for name, key in keys.items()},
        closed=[
            Closed(stage, CloseReason(reason).label, count)
            for (stage, reason), count in sorted(
                closed.items(), key=lambda item: (-item[1], item[0][0].value, item[0][1])
            )
        ],
        total=len(referrals),
    )


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _breakdown(referrals: list[_Referral], key: Callable[[_Referral], str]) -> list[Breakdown]:
    rows: dict[str, Breakdown] = {}
    for referral in referrals:
        label = key(referral)
        row = rows.setdefault(label, Breakdown(label))
        row.submitted += 1
        row.qualified += Stage(referral.reached).rank >= Stage.QUALIFIED.rank
        if referral.stage == Stage.WON:
            row.won += 1
            row.won_value += referral.deal_value or 0
    return sorted(rows.values(), key=lambda r: (-r.submitted, -r.won, r.label))


async def _days_in_stages(session: AsyncSession, ids: list[int]) -> dict[Stage, list[float]]:
    """Each finished stay in a pipeline stage, in days: from the move into it to the next."""
    days: dict[Stage, list[float]] = defaultdict(list)
    moves: dict[int, list[tuple[Stage, datetime]]] = defaultdict(list)
    for chunk in range(0, len(ids), 5_000):  # bound the number of parameters per query
        rows = await session.execute(
            select(ReferralEvent.referral_id, ReferralEvent.to_stage, ReferralEvent.created_at)
            .where(ReferralEvent.referral_id.in_(ids[chunk : chunk + 5_000]))
            .order_by(ReferralEvent.referral_id, ReferralEvent.created_at, ReferralEvent.id)
        )
        for referral_id, stage, at in rows:
            moves[referral_id].append((Stage(stage), at))
    for history in moves.values():
        for (stage, entered), (_, left) in pairwise(history):
            if stage in PIPELINE and stage != Stage.WON:
                days[stage].append((left - entered).total_seconds() / SECONDS_A_DAY)
    return days
