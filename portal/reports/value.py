"""The value of advocacy: what each act is worth in money (settings marketers keep), the value
advocates created in a period, by kind of act and by advocate, against what the rewards they
redeemed cost (points redeemed at the points-to-money rate): the program's return.

The acts valued: an approved challenge entry, at the value set for its challenge's type (a
share, a review...), decided in the period; a first use of a piece of content in the period;
a referral won in the period, at its deal value."""

from collections import defaultdict
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from portal.challenges.models import Challenge, ChallengeType, Submission, SubmissionStatus
from portal.content.models import AssetUse
from portal.i18n import N_
from portal.people.models import User
from portal.program import service as program
from portal.program.models import ProgramSetting
from portal.referrals.models import Referral, ReferralEvent, Stage
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
        return N_("Content used")
    if kind == REFERRAL_WON:
        return N_("Referrals won (deal value)")
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
    by_advocate: list[AdvocateValue]  # most value first: the first few, or all for the CSV
    advocates: int  # who created any value
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


def _act_queries(
    period: Period,
    group_id: int | None,
    settings: ValueSettings,
    *,
    per_advocate: bool,
    user_ids: set[int] | None = None,
    kinds: bool = True,
) -> list[Select[*tuple[Any, ...]]]:
    """One query per kind of act, each row (advocate if `per_advocate`, kind if `kinds`, acts,
    value), grouped in the database: approved entries decided in the period valued by their
    challenge's type, first content uses, and referrals won in the period at their deal value.
    A ranking of advocates asks without kinds: one row per advocate and query, not per
    advocate and challenge type, for the sum over the three to add up."""
    start, end = period.start, period.end

    def only(column: Any) -> list[ColumnElement[bool]]:
        return [column.in_(user_ids)] if user_ids is not None else who(column, group_id)

    each = case(
        {kind: settings.of(kind) for kind in SETTING_KINDS if kind != CONTENT_USE},
        value=Challenge.type,
        else_=0,
    )
    completions = (
        select(
            Submission.user_id.label("who"),
            Challenge.type.label("kind"),
            func.count().label("acts"),
            func.sum(each).label("value"),
        )
        .join(Challenge, Challenge.id == Submission.challenge_id)
        .where(
            Submission.status == SubmissionStatus.APPROVED,
            Submission.decided_at >= start,
            Submission.decided_at < end,
            *only(Submission.user_id),
        )
    )
    uses = select(
        AssetUse.user_id.label("who"),
        literal(CONTENT_USE).label("kind"),
        func.count().label("acts"),
        (func.count() * settings.of(CONTENT_USE)).label("value"),
    ).where(AssetUse.first_used_at >= start, AssetUse.first_used_at < end, *only(AssetUse.user_id))
    won = (
        select(ReferralEvent.referral_id)
        .where(
            ReferralEvent.to_stage == Stage.WON,
            ReferralEvent.created_at >= start,
            ReferralEvent.created_at < end,
        )
        .distinct()
    )
    referrals = select(
        Referral.referrer_id.label("who"),
        literal(REFERRAL_WON).label("kind"),
        func.count().label("acts"),
        func.coalesce(func.sum(Referral.deal_value), 0).label("value"),
    ).where(Referral.id.in_(won), *only(Referral.referrer_id))
    keyed: list[tuple[Any, Any, Any]] = [
        (completions, Submission.user_id, Challenge.type),
        (uses, AssetUse.user_id, None),
        (referrals, Referral.referrer_id, None),
    ]
    queries: list[Select[*tuple[Any, ...]]] = []
    for query, person, kind in keyed:
        by = [
            c for c in (person if per_advocate else None, kind if kinds else None) if c is not None
        ]
        grouped = query.group_by(*by) if by else query
        columns = list(grouped.selected_columns)
        # The advocate column is only for grouping, and the kind one only asked with kinds.
        grouped = grouped.with_only_columns(
            *(columns[0:1] if per_advocate else []),
            *(columns[1:2] if kinds else []),
            *columns[2:],
        )
        queries.append(grouped)
    return queries


async def acts(
    session: AsyncSession, period: Period, group_id: int | None, user_ids: set[int]
) -> list[tuple[int, str, int, int]]:
    """(advocate, kind, acts, deal value) of these advocates' acts in the period."""
    if not user_ids:
        return []
    rows = []
    for user_id, kind, count, value in await session.execute(
        union_all(
            *_act_queries(period, group_id, ValueSettings(), per_advocate=True, user_ids=user_ids)
        )
    ):
        deal_value = int(value or 0) if kind == REFERRAL_WON else 0
        rows.append((int(user_id), str(kind), int(count), deal_value))
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
    """Totals by kind, and the advocates who created the most value (the first `named`, or
    all of them for None), all added up in the database."""
    settings = await load_settings(session)
    counts: dict[str, int] = defaultdict(int)
    values: dict[str, int] = defaultdict(int)
    for kind, count, value in await session.execute(
        union_all(*_act_queries(period, group_id, settings, per_advocate=False))
    ):
        counts[str(kind)] += int(count)
        values[str(kind)] += int(value or 0)
    per_act = union_all(
        *_act_queries(period, group_id, settings, per_advocate=True, kinds=False)
    ).subquery()
    person = per_act.c.who
    created, done = func.sum(per_act.c.value), func.sum(per_act.c.acts)
    ranked = (
        select(
            person.label("who"),
            done.label("acts"),
            created.label("value"),
            func.count().over().label("everyone"),
        )
        .group_by(person)
        .order_by(created.desc(), done.desc(), person)
        .limit(named)
        .subquery()
    )
    rows = await session.execute(  # named after the ranking: only the rows it keeps
        select(ranked.c.who, User.display_name, ranked.c.acts, ranked.c.value, ranked.c.everyone)
        .outerjoin(User, User.id == ranked.c.who)
        .order_by(ranked.c.value.desc(), ranked.c.acts.desc(), ranked.c.who)
    )
    by_advocate, advocates = [], 0
    for user_id, name, n, value, everyone in rows:
        by_advocate.append(AdvocateValue(int(user_id), name or "", int(n), int(value or 0)))
        advocates = int(everyone)
    redeemed = tally((await points_moved(session, group_id, [period]))[0]).redeemed
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
        advocates=int(advocates),
        total=sum(values.values()),
        redeemed_points=redeemed,
        cost=round(redeemed / points_per_money_unit, 2),
        points_per_money_unit=points_per_money_unit,
    )
