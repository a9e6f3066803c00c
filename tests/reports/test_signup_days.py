"""The sign-ups rolled up per settled UTC day (`report_signup_days`, rewritten by the hourly job)
against known answers, and the overview's advocates, new advocates and activation the same with
the rollup as without it, on both engines: settled days from the rollup, the last month live."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth.service.accounts import suspend_user
from portal.clock import utcnow
from portal.reports.models import SignupDay
from portal.reports.overview import overview
from portal.reports.periods import Span, period_of
from portal.reports.signups import refresh_signup_days, settled_until
from tests.factories import give_points, make_admin, make_advocate, make_sales
from tests.reports.conftest import days_ago

FIGURES = ("advocates", "new", "activation")


async def _figures(session: AsyncSession, span: Span) -> dict[str, tuple[float, float]]:
    report = await overview(
        session,
        period=period_of(span, utcnow().date()),
        group_id=None,
        points_per_money_unit=100,
    )
    return {key: (report.figure(key).value, report.figure(key).previous) for key in FIGURES}


async def test_settled_days_are_rolled_up_and_read_with_the_recent_ones_live(
    session: AsyncSession,
) -> None:
    today = utcnow().date()
    admin = await make_admin(session)
    with days_ago(80):
        ann = await make_advocate(session, name="Ann")  # earns within 30 days: activated
    with days_ago(75):
        await give_points(session, ann, 10)
    with days_ago(70):
        bob = await make_advocate(session, name="Bob")  # earns 40 days later: not activated
    with days_ago(55):
        cat = await make_advocate(session, name="Cat")  # suspended: not counted
        await make_sales(session, name="Sam")  # staff: not counted
    with days_ago(50):
        dan = await make_advocate(session, name="Dan")
    with days_ago(45):
        await give_points(session, dan, 10)
    with days_ago(30):
        await give_points(session, bob, 10)
    with days_ago(10):
        eve = await make_advocate(session, name="Eve")
    with days_ago(9):
        await give_points(session, eve, 10)
    with days_ago(2):
        await make_advocate(session, name="Fay")  # never earns
    assert await settled_until(session) is None  # nothing rolled up before the job runs
    await suspend_user(session, actor=admin, user=cat)
    live = {span: await _figures(session, span) for span in (Span.DAYS_30, Span.DAYS_90)}

    assert await refresh_signup_days(session, today=today) == 4
    rows = [(r.day, r.advocates, r.activated) for r in await session.scalars(select(SignupDay))]
    assert sorted(rows) == [
        (today - timedelta(days=80), 1, 1),
        (today - timedelta(days=70), 1, 0),
        (today - timedelta(days=50), 1, 1),
        (today - timedelta(days=32), 0, 0),  # the last settled day, marking the reach
    ]
    assert await settled_until(session) == today - timedelta(days=31)
    rolled = {span: await _figures(session, span) for span in (Span.DAYS_30, Span.DAYS_90)}
    assert rolled == live
    assert rolled[Span.DAYS_30] == {
        "advocates": (5, 3),  # Ann, Bob, Dan, Eve, Fay; at the end of the 30 days before
        "new": (2, 1),  # Eve and Fay; Dan
        "activation": (0.5, 1.0),  # Eve; Dan
    }
    assert rolled[Span.DAYS_90] == {"advocates": (5, 0), "new": (5, 0), "activation": (0.6, 0)}

    # The settled days are read from the rollup: a settled advocate suspended now still counts
    # until the job's next run rewrites it; a recent one stops counting at once (live).
    await suspend_user(session, actor=admin, user=bob)
    await suspend_user(session, actor=admin, user=eve)
    assert (await _figures(session, Span.DAYS_90))["advocates"] == (4, 0)
    assert await refresh_signup_days(session, today=today) == 3
    assert (await _figures(session, Span.DAYS_90))["advocates"] == (3, 0)
