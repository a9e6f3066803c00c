"""What the report pages read: who may see them, and each page's figures."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from portal.errors import NotFound
from portal.people import service as people
from portal.people.models import Group, Role, User
from portal.program import service as program
from portal.reports import summary
from portal.reports.charts import BarChart, LineChart, bar_chart, line_chart
from portal.reports.cohorts import Cohorts, cohorts
from portal.reports.engagement import QUIET_DAYS, Engagement, QuietRow, engagement, quiet_advocates
from portal.reports.funnel import BREAKDOWNS, Funnel, funnel
from portal.reports.overview import SOURCE_NAMES as SOURCES
from portal.reports.overview import Overview, Unit, overview
from portal.reports.periods import Choice
from portal.reports.rewards import RewardsReport, rewards_report
from portal.reports.value import (
    SETTING_KINDS,
    ValueReport,
    ValueSettings,
    kind_label,
    load_settings,
    save_settings,
    value_report,
)

__all__ = [
    "BREAKDOWNS",
    "QUIET_DAYS",
    "SETTING_KINDS",
    "SOURCES",
    "VALUE_SHOWN",
    "CohortsPage",
    "EngagementPage",
    "FunnelPage",
    "OverviewPage",
    "RewardsPage",
    "Unit",
    "ValuePage",
    "ValueSettings",
    "access_reports",
    "cohorts_page",
    "engagement_page",
    "funnel_page",
    "kind_label",
    "overview_page",
    "quiet_list",
    "rewards_page",
    "save_value_settings",
    "subscribe_to_summary",
    "value_page",
    "value_settings",
]


def access_reports(viewer: User) -> None:
    """Reports are for marketers and admins; to anyone else they don't exist (404)."""
    if not viewer.has_role(Role.MARKETER, Role.ADMIN):
        raise NotFound()


@dataclass(frozen=True)
class OverviewPage:
    overview: Overview
    groups: list[Group]
    group: Group | None
    points_per_money_unit: int
    sources_chart: BarChart
    subscribed: bool  # the viewer gets the weekly summary by email


async def _groups(
    session: AsyncSession, viewer: User, choice: Choice
) -> tuple[list[Group], Group | None]:
    """Every report page's filter: who may look, the groups to choose from, the chosen one."""
    access_reports(viewer)
    groups = await people.list_groups(session)
    group = next((g for g in groups if g.id == choice.group_id), None)
    if choice.group_id is not None and group is None:
        raise NotFound("We could not find that group.")
    return groups, group


async def overview_page(session: AsyncSession, viewer: User, choice: Choice) -> OverviewPage:
    groups, group = await _groups(session, viewer, choice)
    rate = (await program.load_once(session)).points_per_money_unit
    report = await overview(
        session, period=choice.period, group_id=choice.group_id, points_per_money_unit=rate
    )
    chart = bar_chart(
        "Points issued by source",
        [name for name, _, _ in report.by_source],
        [
            ("This period", [float(now) for _, now, _ in report.by_source]),
            ("Previous period", [float(before) for _, _, before in report.by_source]),
        ],
    )
    subscribed = await summary.is_subscribed(session, viewer)
    return OverviewPage(report, groups, group, rate, chart, subscribed)


async def subscribe_to_summary(session: AsyncSession, viewer: User, *, on: bool) -> None:
    access_reports(viewer)
    await summary.subscribe(session, viewer, on=on)


@dataclass(frozen=True)
class FunnelPage:
    funnel: Funnel
    groups: list[Group]
    group: Group | None
    stages_chart: BarChart


FUNNEL_SHOWN = 25  # rows of each breakdown on the Funnel page; the CSV has them all


async def funnel_page(
    session: AsyncSession, viewer: User, choice: Choice, *, every_row: bool = False
) -> FunnelPage:
    groups, group = await _groups(session, viewer, choice)
    report = await funnel(
        session,
        period=choice.period,
        group_id=choice.group_id,
        rows=None if every_row else FUNNEL_SHOWN,
    )
    chart = bar_chart(
        "Referrals reaching each stage",
        [row.stage.label for row in report.stages],
        [("Referrals", [float(row.reached) for row in report.stages])],
    )
    return FunnelPage(report, groups, group, chart)


@dataclass(frozen=True)
class EngagementPage:
    engagement: Engagement
    groups: list[Group]
    group: Group | None
    people_chart: LineChart
    points_chart: LineChart


def _day_label(day: date) -> str:
    return f"{day.day} {day:%b}"


async def engagement_page(session: AsyncSession, viewer: User, choice: Choice) -> EngagementPage:
    groups, group = await _groups(session, viewer, choice)
    report = await engagement(
        session,
        period=choice.period,
        group_id=choice.group_id,
        values=await load_settings(session),
    )
    days = [_day_label(d.day) for d in report.days]
    people_chart = line_chart(
        "Advocates active and engaged each day",
        days,
        [
            ("Active (signed in)", [float(d.active) for d in report.days]),
            ("Engaged (earned points)", [float(d.engaged) for d in report.days]),
        ],
    )
    points_chart = line_chart(
        "Points issued each day, by source",
        days,
        [(name, [float(d.points[name]) for d in report.days]) for name in SOURCES],
    )
    return EngagementPage(report, groups, group, people_chart, points_chart)


async def quiet_list(session: AsyncSession, viewer: User, choice: Choice) -> list[QuietRow]:
    """Every advocate quiet for 30 days or more (the CSV; the page shows the first few)."""
    await _groups(session, viewer, choice)
    return (await quiet_advocates(session, group_id=choice.group_id, limit=None))[1]


@dataclass(frozen=True)
class ValuePage:
    report: ValueReport
    groups: list[Group]
    group: Group | None
    kinds_chart: BarChart


VALUE_SHOWN = 25  # advocates on the Value page; the CSV has them all


async def value_page(
    session: AsyncSession, viewer: User, choice: Choice, *, every_name: bool = False
) -> ValuePage:
    groups, group = await _groups(session, viewer, choice)
    rate = (await program.load_once(session)).points_per_money_unit
    report = await value_report(
        session,
        period=choice.period,
        group_id=choice.group_id,
        points_per_money_unit=rate,
        named=None if every_name else VALUE_SHOWN,
    )
    valued = [row for row in report.by_kind if row.value]
    chart = bar_chart(
        "Value created by kind of act",
        [row.label.removeprefix("Challenge: ") for row in valued],
        [("Value", [float(row.value) for row in valued])],
    )
    return ValuePage(report, groups, group, chart)


async def value_settings(session: AsyncSession, viewer: User) -> ValueSettings:
    access_reports(viewer)
    return await load_settings(session)


async def save_value_settings(session: AsyncSession, viewer: User, values: dict[str, int]) -> None:
    access_reports(viewer)
    await save_settings(session, actor=viewer, values=values)


@dataclass(frozen=True)
class CohortsPage:
    cohorts: Cohorts
    groups: list[Group]
    group: Group | None


async def cohorts_page(session: AsyncSession, viewer: User, choice: Choice) -> CohortsPage:
    groups, group = await _groups(session, viewer, choice)
    report = await cohorts(session, period=choice.period, group_id=choice.group_id)
    return CohortsPage(report, groups, group)


@dataclass(frozen=True)
class RewardsPage:
    report: RewardsReport
    groups: list[Group]
    group: Group | None
    status_chart: BarChart


async def rewards_page(session: AsyncSession, viewer: User, choice: Choice) -> RewardsPage:
    groups, group = await _groups(session, viewer, choice)
    report = await rewards_report(session, period=choice.period, group_id=choice.group_id)
    chart = bar_chart(
        "Redemptions by status",
        [row.label for row in report.by_status],
        [("Redemptions", [float(row.redemptions) for row in report.by_status])],
    )
    return RewardsPage(report, groups, group, chart)
