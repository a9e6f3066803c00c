"""Cohort cells and the rewards figures against scenarios with known answers, built through the
real services at known times."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.clock import utcnow
from portal.reports.cohorts import cohorts, months_for
from portal.reports.periods import Period, Span, period_of
from portal.reports.rewards import percentile_90, rewards_report
from portal.rewards import service as rewards
from portal.rewards.models import RewardKind
from tests.factories import give_points, make_advocate, make_marketer, make_reward
from tests.reports.conftest import days_ago


@contextmanager
def at(month_start: date, day: int) -> Iterator[None]:
    """Noon (UTC) on a day of a month; the first of this month never lies in the future."""
    moment = datetime.combine(month_start.replace(day=day), time(0, 0, 1), UTC)
    if day > 1:
        moment += timedelta(hours=12)
    with clock.shifted(moment - utcnow()):
        yield


def months_back(n: int) -> date:
    month = utcnow().date().replace(day=1)
    for _ in range(n):
        month = (month - timedelta(days=1)).replace(day=1)
    return month


async def test_each_cohort_cell_is_the_share_that_earned_in_that_month(
    session: AsyncSession,
) -> None:
    two_ago, last, this = months_back(2), months_back(1), months_back(0)
    with at(two_ago, 5):
        ann = await make_advocate(session, name="Ann")
        await give_points(session, ann, 10)
    with at(two_ago, 10):
        bob = await make_advocate(session, name="Bob")
    with at(last, 3):
        cat = await make_advocate(session, name="Cat")
        await make_advocate(session, name="Dan")  # never earns
        await give_points(session, bob, 10)
        await give_points(session, cat, 10)
    with at(this, 1):
        await give_points(session, ann, 10)
        await give_points(session, cat, 10)
        eve = await make_advocate(session, name="Eve")
        await give_points(session, eve, 10)
    report = await cohorts(session, period=period_of(Span.DAYS_7, utcnow().date()), group_id=None)
    assert len(report.months) == 12
    assert report.months[-3:] == [two_ago, last, this]
    cells = {c.month: (c.size, c.engaged) for c in report.cohorts}
    assert cells[two_ago] == (2, [1, 1, 1])  # Ann, then Bob, then Ann again
    assert cells[last] == (2, [1, 1])  # Cat twice; Dan never
    assert cells[this] == (1, [1])
    assert [c.shares for c in report.cohorts[-3:]] == [[0.5, 0.5, 0.5], [0.5, 0.5], [1.0]]
    assert all(c.size == 0 for c in report.cohorts[:-3])
    assert [len(c.engaged) for c in report.cohorts] == list(range(12, 0, -1))  # a triangle


def test_a_long_period_shows_all_its_months() -> None:
    months = months_for(Period(date(2024, 1, 15), date(2026, 3, 2)))
    assert (months[0], months[-1], len(months)) == (date(2024, 1, 1), date(2026, 3, 1), 27)


@pytest.mark.parametrize(
    ("values", "p90"), [([2.0], 2.0), ([0.0, 1.0, 4.0], 3.4), ([1.0, 2.0], 1.9)]
)
def test_the_90th_percentile_lies_between_the_closest_values(
    values: list[float], p90: float
) -> None:
    assert percentile_90(values) == pytest.approx(p90)


async def test_redemptions_by_status_and_kind_points_and_time_to_fulfil(
    session: AsyncSession,
) -> None:
    staff = await make_marketer(session)
    hoodie = await make_reward(session, title="Hoodie", cost=500)
    coupon = await make_reward(
        session,
        title="Coupon",
        kind=RewardKind.CODE,
        cost=100,
        needs_approval=False,
        uses_code_pool=True,
    )
    await rewards.add_codes(session, staff=staff, reward_id=coupon.id, codes=["A1", "B2", "C3"])
    advocate = await make_advocate(session)
    with days_ago(20):
        await give_points(session, advocate, 5_000)

    async def redeem(reward_id: int, key: str) -> int:
        redemption = await rewards.request_redemption(
            session,
            user=advocate,
            reward_id=reward_id,
            key=key,
            shipping={
                "name": "Ann",
                "address": "1 Main St",
                "city": "Berlin",
                "postcode": "10115",
                "country": "DE",
            },
        )
        return redemption.id

    with days_ago(10):
        earlier = await redeem(hoodie.id, "earlier")  # before the period
    with days_ago(6):
        first = await redeem(hoodie.id, "first")
    with days_ago(5):
        await rewards.approve_redemption(session, staff=staff, redemption_id=first)
    with days_ago(4):
        second = await redeem(hoodie.id, "second")
        await rewards.approve_redemption(session, staff=staff, redemption_id=second)
        await rewards.approve_redemption(session, staff=staff, redemption_id=earlier)
    with days_ago(3):
        await rewards.fulfil_redemption(
            session, staff=staff, redemption_id=second, tracking_note=""
        )
        rejected = await redeem(hoodie.id, "rejected")
        await rewards.reject_redemption(session, staff=staff, redemption_id=rejected, reason="Gone")
    with days_ago(2):
        await rewards.fulfil_redemption(session, staff=staff, redemption_id=first, tracking_note="")
        await redeem(hoodie.id, "waiting")
    with days_ago(1):
        await redeem(coupon.id, "coupon")  # a code: fulfilled at once
    report = await rewards_report(
        session, period=period_of(Span.DAYS_7, utcnow().date()), group_id=None
    )
    assert [(c.label, c.redemptions, c.points) for c in report.by_status] == [
        ("Requested", 1, 500),
        ("Approved", 0, 0),
        ("Fulfilled", 3, 1_100),
        ("Rejected", 1, 0),  # refunded
        ("Cancelled", 0, 0),
    ]
    assert [(c.label, c.redemptions, c.points) for c in report.by_kind if c.redemptions] == [
        ("Physical", 4, 1_500),
        ("Code", 1, 100),
    ]
    assert (report.redemptions, report.points_spent) == (5, 1_600)
    # Fulfilled in the period: the coupon at once, the second in 1 day, the first in 4
    assert (report.fulfilled, report.median_days, report.p90_days) == (3, 1.0, 3.4)
    assert [(p.title, p.codes, p.remaining) for p in report.pools] == [("Coupon", 3, 2)]
    group = await rewards_report(
        session, period=period_of(Span.DAYS_7, utcnow().date()), group_id=10**6
    )
    assert group.redemptions == 0
