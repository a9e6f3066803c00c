"""What the report pages read: who may see them, and each page's figures."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from portal.errors import NotFound
from portal.people import service as people
from portal.people.models import Group, Role, User
from portal.program import service as program
from portal.reports.charts import BarChart, bar_chart
from portal.reports.funnel import BREAKDOWNS, Funnel, funnel
from portal.reports.overview import Overview, Unit, overview
from portal.reports.periods import Choice

__all__ = [
    "BREAKDOWNS",
    "FunnelPage",
    "OverviewPage",
    "Unit",
    "access_reports",
    "funnel_page",
    "overview_page",
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
    return OverviewPage(report, groups, group, rate, chart)


@dataclass(frozen=True)
class FunnelPage:
    funnel: Funnel
    groups: list[Group]
    group: Group | None
    stages_chart: BarChart


async def funnel_page(session: AsyncSession, viewer: User, choice: Choice) -> FunnelPage:
    groups, group = await _groups(session, viewer, choice)
    report = await funnel(session, period=choice.period, group_id=choice.group_id)
    chart = bar_chart(
        "Referrals reaching each stage",
        [row.stage.label for row in report.stages],
        [("Referrals", [float(row.reached) for row in report.stages])],
    )
    return FunnelPage(report, groups, group, chart)
