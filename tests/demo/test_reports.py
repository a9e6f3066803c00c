from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import utcnow
from portal.reports.overview import overview
from portal.reports.periods import Span, period_of


async def test_the_demo_gives_the_overview_something_to_show(
    session: AsyncSession,
) -> None:
    report = await overview(
        session,
        period=period_of(Span.DAYS_30, utcnow().date()),
        group_id=None,
        points_per_money_unit=100,
    )
    for key in ("active", "engaged", "completions", "submitted", "won", "issued", "liability"):
        figure = report.figure(key)
        assert figure.value > 0, key
    assert report.figure("active").previous > 0  # a month of history before this one
    assert sum(now for _, now, _ in report.by_source) == report.figure("issued").value


async def test_the_demo_gives_every_new_report_something_to_show(
    session: AsyncSession,
) -> None:
    from portal.reports.cohorts import cohorts
    from portal.reports.engagement import engagement
    from portal.reports.rewards import rewards_report
    from portal.reports.value import ValueSettings, value_report

    today = utcnow().date()
    days_90 = period_of(Span.DAYS_90, today)
    joined = await cohorts(session, period=days_90, group_id=None)
    assert len([c for c in joined.cohorts if c.size]) >= 6  # six months of sign-ups
    report = await engagement(session, period=days_90, group_id=None, values=ValueSettings())
    assert sum(d.active for d in report.days) > 0
    assert sum(d.engaged for d in report.days) > 0
    assert report.challenges
    assert report.content
    assert report.advocates
    value = await value_report(session, period=days_90, group_id=None, points_per_money_unit=100)
    assert value.total > 0
    assert value.cost > 0
    redeemed = await rewards_report(session, period=days_90, group_id=None)
    assert redeemed.redemptions > 0
    assert redeemed.median_days is not None
