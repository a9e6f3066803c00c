"""Rewards: the redemptions asked for in a period by status and by kind, the points they spent
(rejected and cancelled ones were refunded, so they spend nothing), how long fulfilment took
for those fulfilled in the period (median and 90th percentile, in days), and what is left in
each code pool today."""

from dataclasses import dataclass
from statistics import median, quantiles

from sqlalchemy import ColumnElement, case, extract, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.reports.overview import who
from portal.reports.periods import Period
from portal.rewards.models import Redemption, RedemptionStatus, Reward, RewardCode, RewardKind

SECONDS_A_DAY = 86_400
CLOSED = (RedemptionStatus.REJECTED, RedemptionStatus.CANCELLED)


@dataclass(frozen=True)
class Count:
    label: str
    redemptions: int
    points: int  # spent: nothing for rejected or cancelled ones


@dataclass(frozen=True)
class Pool:
    title: str
    is_active: bool
    codes: int
    remaining: int


@dataclass(frozen=True)
class RewardsReport:
    period: Period
    by_status: list[Count]
    by_kind: list[Count]
    points_spent: int
    fulfilled: int
    median_days: float | None
    p90_days: float | None
    pools: list[Pool]

    @property
    def redemptions(self) -> int:
        return sum(row.redemptions for row in self.by_status)


def percentile_90(values: list[float]) -> float:
    """The 90th percentile, between the closest values (as a spreadsheet's PERCENTILE)."""
    if len(values) == 1:
        return values[0]
    return quantiles(values, n=10, method="inclusive")[-1]


async def rewards_report(
    session: AsyncSession, *, period: Period, group_id: int | None
) -> RewardsReport:
    asked = (
        Redemption.created_at >= period.start,
        Redemption.created_at < period.end,
        *who(Redemption.user_id, group_id),
    )
    spent = func.coalesce(
        func.sum(case((Redemption.status.in_(CLOSED), 0), else_=Redemption.cost)), 0
    )
    statuses = {
        status: (int(n), int(points))
        for status, n, points in await session.execute(
            select(Redemption.status, func.count(), spent).where(*asked).group_by(Redemption.status)
        )
    }
    kinds = {
        kind: (int(n), int(points))
        for kind, n, points in await session.execute(
            select(Reward.kind, func.count(), spent)
            .join(Reward, Reward.id == Redemption.reward_id)
            .where(*asked)
            .group_by(Reward.kind)
        )
    }
    fulfilled, middle, p90 = await _fulfilment(
        session,
        Redemption.fulfilled_at >= period.start,
        Redemption.fulfilled_at < period.end,
        *who(Redemption.user_id, group_id),
    )
    return RewardsReport(
        period=period,
        by_status=[
            Count(status.value.capitalize(), *statuses.get(status, (0, 0)))
            for status in RedemptionStatus
        ],
        by_kind=[Count(kind.label, *kinds.get(kind, (0, 0))) for kind in RewardKind],
        points_spent=sum(points for _, points in statuses.values()),
        fulfilled=fulfilled,
        median_days=middle,
        p90_days=p90,
        pools=await _pools(session),
    )


async def _fulfilment(
    session: AsyncSession, *fulfilled_in: ColumnElement[bool]
) -> tuple[int, float | None, float | None]:
    """How many redemptions were fulfilled, and the median and 90th percentile of the days
    each took (rounded to 0.1): worked out by PostgreSQL, on SQLite from the rows (SQLite has
    no percentile function, and its databases are small)."""
    if session.get_bind().dialect.name == "sqlite":
        times = await session.execute(
            select(Redemption.created_at, Redemption.fulfilled_at).where(*fulfilled_in)
        )
        days = sorted(
            (done - asked).total_seconds() / SECONDS_A_DAY for asked, done in times if done
        )
        if not days:
            return 0, None, None
        return len(days), round(median(days), 1), round(percentile_90(days), 1)
    took = extract("epoch", Redemption.fulfilled_at - Redemption.created_at) / SECONDS_A_DAY
    count, middle, p90 = (
        await session.execute(
            select(
                func.count(),
                func.percentile_cont(0.5).within_group(took),
                func.percentile_cont(0.9).within_group(took),
            ).where(*fulfilled_in)
        )
    ).one()
    if not count:
        return 0, None, None
    return int(count), round(float(middle), 1), round(float(p90), 1)


async def _pools(session: AsyncSession) -> list[Pool]:
    rows = await session.execute(
        select(
            Reward.title,
            Reward.is_active,
            func.count(RewardCode.id),
            func.count(RewardCode.id).filter(RewardCode.redemption_id.is_(None)),
        )
        .outerjoin(RewardCode, RewardCode.reward_id == Reward.id)
        .where(Reward.uses_code_pool.is_(True))
        .group_by(Reward.id, Reward.title, Reward.is_active)
        .order_by(Reward.is_active.desc(), Reward.title)
    )
    return [Pool(title, bool(active), int(n), int(left)) for title, active, n, left in rows]
