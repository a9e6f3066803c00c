"""The value of advocacy: what each act is worth in money (settings marketers keep), the value
advocates created in a period, by kind of act and by advocate, against what the rewards they
redeemed cost (points redeemed at the points-to-money rate): the program's return.

The acts valued: an approved challenge entry, at the value set for its challenge's type (a
share, a review...), decided in the period; a first use of a piece of content in the period;
a referral won in the period, at its deal value."""

from collections import defaultdict
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.challenges.models import Challenge, ChallengeType, Submission, SubmissionStatus
from portal.content.models import AssetUse
from portal.people.models import User
from portal.program import service as program
from portal.program.models import ProgramSetting
from portal.referrals.models import Referral, ReferralEvent, Stage
from portal.reports.names import names_of
from portal.reports.overview import points_moved, tally, who
from portal.reports.periods import Period

PREFIX = "value."
CONTENT_USE, REFERRAL_WON = "content_use", "referral_won"


@dataclass(frozen=True)
class ValueSettings:
    """Money per act: one value per challenge type (keys are ChallengeType values) and one per
    content use; a referral won is worth its deal value."""

    share_link: int = 5
    online_review: int = 150
    answer_questions: int = 20
    upload_image: int = 10
    attend_event: int = 50
    refer: int = 0  # the referral itself is valued when it is won
    watch_video: int = 2
    download_asset: int = 2
    custom: int = 10
    content_use: int = 2

    def of(self, kind: str) -> int:
        return int(getattr(self, kind))


def kind_label(kind: str) -> str:
    if kind == CONTENT_USE:
        return "Content used"
    if kind == REFERRAL_WON:
        return "Referrals won (deal value)"
    return f"Challenge: {ChallengeType(kind).label}"


SETTING_KINDS = [*(t.value for t in ChallengeType), CONTENT_USE]
KINDS = [*SETTING_KINDS, REFERRAL_WON]


async def load_settings(session: AsyncSession) -> ValueSettings:
    rows = await session.scalars(
        select(ProgramSetting).where(ProgramSetting.key.startswith(PREFIX))
    )
    known = {f.name for f in fields(ValueSettings)}
    values: dict[str, Any] = {}
    for row in rows:
        name = row.key.removeprefix(PREFIX)
        if name in known:
            values[name] = int(row.value)
    return ValueSettings(**values)


async def save_settings(session: AsyncSession, *, actor: User, values: dict[str, int]) -> None:
    before = await load_settings(session)
    await program.store_changes(
        session,
        actor=actor,
        before=asdict(before),
        after=asdict(replace(before, **values)),
        prefix=PREFIX,
        action="reports.value_settings_updated",
        summary="Changed the value of acts:",
    )


@dataclass(frozen=True)
class KindRow:
    kind: str
    label: str
    acts: int
    each: int | None  # the money one act is worth; None for referrals (their deal values)
    value: int


@dataclass
class AdvocateValue:
    user_id: int
    name: str = ""
    acts: int = 0
    value: int = 0


@dataclass(frozen=True)
class ValueReport:
    period: Period
    by_kind: list[KindRow]
    by_advocate: list[AdvocateValue]  # most value first
    total: int
    redeemed_points: int
    cost: float  # the money the redeemed points were worth
    points_per_money_unit: int

    @property
    def net(self) -> float:
        return round(self.total - self.cost, 2)

    @property
    def return_ratio(self) -> float | None:
        """Value created per unit of money spent on rewards; None when nothing was redeemed."""
        return round(self.total / self.cost, 2) if self.cost else None


async def acts(
    session: AsyncSession, period: Period, group_id: int | None
) -> list[tuple[int, str, int, int]]:
    """(advocate, kind, acts, deal value) for every kind of act in the period."""
    start, end = period.start, period.end
    completions = (
        select(Submission.user_id, Challenge.type, func.count())
        .join(Challenge, Challenge.id == Submission.challenge_id)
        .where(
            Submission.status == SubmissionStatus.APPROVED,
            Submission.decided_at >= start,
            Submission.decided_at < end,
            *who(Submission.user_id, group_id),
        )
        .group_by(Submission.user_id, Challenge.type)
    )
    uses = (
        select(AssetUse.user_id, func.count())
        .where(
            AssetUse.first_used_at >= start,
            AssetUse.first_used_at < end,
            *who(AssetUse.user_id, group_id),
        )
        .group_by(AssetUse.user_id)
    )
    won = (
        select(ReferralEvent.referral_id)
        .where(
            ReferralEvent.to_stage == Stage.WON,
            ReferralEvent.created_at >= start,
            ReferralEvent.created_at < end,
        )
        .distinct()
    )
    referrals = (
        select(Referral.referrer_id, func.count(), func.coalesce(func.sum(Referral.deal_value), 0))
        .where(Referral.id.in_(won), *who(Referral.referrer_id, group_id))
        .group_by(Referral.referrer_id)
    )
    rows = [(u, str(t), int(n), 0) for u, t, n in await session.execute(completions)]
    rows += [(u, CONTENT_USE, int(n), 0) for u, n in await session.execute(uses)]
    rows += [(u, REFERRAL_WON, int(n), int(v or 0)) for u, n, v in await session.execute(referrals)]
    return rows


def worth(settings: ValueSettings, kind: str, count: int, deal_value: int) -> int:
    return deal_value if kind == REFERRAL_WON else settings.of(kind) * count


async def value_report(
    session: AsyncSession,
    *,
    period: Period,
    group_id: int | None,
    points_per_money_unit: int,
    named: int | None = None,
) -> ValueReport:
    settings = await load_settings(session)
    counts: dict[str, int] = defaultdict(int)
    values: dict[str, int] = defaultdict(int)
    people: dict[int, AdvocateValue] = {}
    for user_id, kind, count, deal_value in await acts(session, period, group_id):
        value = worth(settings, kind, count, deal_value)
        counts[kind] += count
        values[kind] += value
        person = people.setdefault(user_id, AdvocateValue(user_id))
        person.acts += count
        person.value += value
    by_advocate = sorted(people.values(), key=lambda p: (-p.value, -p.acts, p.user_id))
    # Names for the first `named` (a page shows a few; the CSV, None, names everyone).
    names = await names_of(session, {p.user_id for p in by_advocate[:named]})
    for person in by_advocate:
        person.name = names.get(person.user_id, "")
    redeemed = tally(await points_moved(session, group_id, period.first, period.last)).redeemed
    return ValueReport(
        period=period,
        by_kind=[
            KindRow(
                kind,
                kind_label(kind),
                counts[kind],
                None if kind == REFERRAL_WON else settings.of(kind),
                values[kind],
            )
            for kind in KINDS
        ],
        by_advocate=by_advocate,
        total=sum(values.values()),
        redeemed_points=redeemed,
        cost=round(redeemed / points_per_money_unit, 2),
        points_per_money_unit=points_per_money_unit,
    )
