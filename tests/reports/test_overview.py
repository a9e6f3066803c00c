"""Every overview figure against the scenario's known answers (tests/reports/conftest.py)."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import utcnow
from portal.reports.overview import overview
from portal.reports.periods import Period, Span, period_of
from tests.reports.conftest import Program


def last_7_days() -> Period:
    return period_of(Span.DAYS_7, utcnow().date())


async def test_every_figure_and_its_previous_period(
    session: AsyncSession, program: Program
) -> None:
    report = await overview(session, period=last_7_days(), group_id=None, points_per_money_unit=100)
    figures = {f.key: (f.value, f.previous) for f in report.figures}
    assert figures == {
        "advocates": (4, 2),  # Dan (40 days ago) and Ann (10) before; Bob and Cat joined since
        "new": (2, 1),
        "active": (1, 1),  # Bob signed in this week, Ann the week before
        "engaged": (3, 1),  # Ann (referral points), Bob and Dan; Cat never earned
        "activation": (0.5, 1.0),  # Bob earned within 30 days of joining, Cat did not
        "completions": (1, 0),
        "content_uses": (1, 0),
        "submitted": (1, 0),
        "qualified": (1, 0),
        "won": (1, 0),
        "won_value": (5_000, 0),
        # 250 test points + 50 challenge + 50/200/300/1000 referral + 10 content + 30 adjustment
        "issued": (1_890, 100),
        "redeemed": (80, 0),
        "liability": (1_910, 100),
        "liability_value": (19.10, 1.00),
    }
    assert report.by_source == [
        ("Challenges", 50, 0),
        ("Referrals", 1_550, 0),
        ("Content", 10, 0),
        ("Adjustments", 30, 0),
        ("Other", 250, 100),
    ]
    assert report.figure("engaged").change == 2.0  # 3 against 1: +200 %
    assert report.figure("activation").change == -0.5
    assert report.figure("won").change is None  # nothing to compare with


async def test_one_group_counts_only_its_members(session: AsyncSession, program: Program) -> None:
    report = await overview(
        session, period=last_7_days(), group_id=program.group.id, points_per_money_unit=50
    )
    figures = {f.key: (f.value, f.previous) for f in report.figures}
    assert figures["advocates"] == (2, 1)  # Bob and Dan; Dan alone before
    assert figures["engaged"] == (2, 0)
    assert figures["submitted"] == (0, 0)  # Ann's referral is not theirs
    assert figures["liability"] == (100 + 130, 0)
    assert figures["liability_value"] == (4.6, 0)


@pytest.mark.parametrize(
    ("span", "today", "first", "last"),
    [
        ("7d", "2026-03-10", "2026-03-04", "2026-03-10"),
        ("month", "2026-03-10", "2026-03-01", "2026-03-10"),
        ("quarter", "2026-05-20", "2026-04-01", "2026-05-20"),
        ("year", "2026-05-20", "2026-01-01", "2026-05-20"),
    ],
)
def test_named_periods_and_the_period_before(span: str, today: str, first: str, last: str) -> None:
    from datetime import date, timedelta

    period = period_of(Span(span), date.fromisoformat(today))
    assert (str(period.first), str(period.last)) == (first, last)
    assert period.previous.days == period.days
    assert period.previous.last == period.first - timedelta(days=1)
