"""The value of advocacy against the scenario's known answers (tests/reports/conftest.py)."""

from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import utcnow
from portal.reports.periods import Span, period_of
from portal.reports.value import load_settings, save_settings, value_report
from tests.reports.conftest import Program


async def test_value_by_kind_and_advocate_against_the_cost_of_rewards(
    session: AsyncSession, program: Program
) -> None:
    await save_settings(session, actor=program.marketer, values={"custom": 40, "content_use": 3})
    report = await value_report(
        session,
        period=period_of(Span.DAYS_7, utcnow().date()),
        group_id=None,
        points_per_money_unit=40,
    )
    by_kind = {row.kind: (row.acts, row.each, row.value) for row in report.by_kind if row.acts}
    assert by_kind == {
        "custom": (1, 40, 40),  # Bob's challenge
        "content_use": (1, 3, 3),  # Dan's download
        "referral_won": (1, None, 5_000),  # Ann's referral, at its deal value
    }
    assert report.total == 5_043
    assert (report.redeemed_points, report.cost) == (80, 2.0)  # Dan's 80 points at 40 to 1
    assert report.net == 5_041.0
    assert report.return_ratio == 2_521.5
    assert [(a.name, a.acts, a.value) for a in report.by_advocate] == [
        ("Ann Referrer", 1, 5_000),
        ("Bob Builder", 1, 40),
        ("Dan Early", 1, 3),
    ]


async def test_a_group_and_a_period_with_no_redemptions(
    session: AsyncSession, program: Program
) -> None:
    builders = await value_report(
        session,
        period=period_of(Span.DAYS_7, utcnow().date()),
        group_id=program.group.id,
        points_per_money_unit=100,
    )
    assert (builders.total, builders.cost) == (10 + 2, 0.8)  # default values: custom 10, use 2
    assert builders.return_ratio == 15.0
    before = await value_report(
        session,
        period=period_of(Span.DAYS_7, utcnow().date()).previous,
        group_id=None,
        points_per_money_unit=100,
    )
    assert (before.total, before.cost, before.return_ratio) == (0, 0, None)


async def test_saved_values_are_read_back_and_the_rest_keep_their_defaults(
    session: AsyncSession, program: Program
) -> None:
    await save_settings(session, actor=program.marketer, values={"online_review": 250})
    settings = await load_settings(session)
    assert (settings.online_review, settings.share_link) == (250, 5)
