"""Every engagement figure against the scenario's known answers (tests/reports/conftest.py):
the last 7 days: today is the last, yesterday the one before."""

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from portal.challenges import service as challenges
from portal.challenges.models import Approval, ChallengeType
from portal.clock import utcnow
from portal.people import sessions
from portal.reports.engagement import engagement, quiet_advocates
from portal.reports.periods import Span, period_of
from portal.reports.value import ValueSettings
from tests.factories import make_advocate, make_challenge
from tests.reports.conftest import Program, days_ago


def last_7_days():  # type: ignore[no-untyped-def]
    return period_of(Span.DAYS_7, utcnow().date())


NOTHING = {"Challenges": 0, "Referrals": 0, "Content": 0, "Adjustments": 0, "Other": 0}


async def test_each_day_counts_people_and_points_by_source(
    session: AsyncSession, program: Program
) -> None:
    report = await engagement(session, period=last_7_days(), group_id=None, values=ValueSettings())
    assert [d.day for d in report.days] == last_7_days().each_day()
    assert [d.active for d in report.days] == [0, 0, 0, 0, 0, 1, 0]  # Bob, yesterday
    # Ann (referral) three days ago; Ann, Bob and Dan two days ago; Ann and Dan yesterday
    assert [d.engaged for d in report.days] == [0, 0, 0, 1, 3, 2, 0]
    assert [d.points for d in report.days] == [
        NOTHING,
        NOTHING,
        NOTHING,
        NOTHING | {"Referrals": 50},
        NOTHING | {"Challenges": 50, "Referrals": 200, "Other": 250},
        NOTHING | {"Referrals": 1_300, "Content": 10, "Adjustments": 30},
        NOTHING,
    ]


async def test_a_group_counts_only_its_members_each_day(
    session: AsyncSession, program: Program
) -> None:
    report = await engagement(
        session, period=last_7_days(), group_id=program.group.id, values=ValueSettings()
    )
    assert [d.engaged for d in report.days] == [0, 0, 0, 0, 2, 1, 0]  # Bob and Dan; Dan
    assert [d.points for d in report.days][4:6] == [
        NOTHING | {"Challenges": 50, "Other": 250},
        NOTHING | {"Content": 10},
    ]
    assert [a.name for a in report.advocates] == ["Dan Early", "Bob Builder"]


async def test_top_challenges_content_and_advocates(
    session: AsyncSession, program: Program
) -> None:
    reviewed = await make_challenge(
        session, title="Review us", type=ChallengeType.ONLINE_REVIEW, approval=Approval.MANUAL
    )
    with days_ago(2):
        for advocate in (program.cat, program.dan):
            entry = await challenges.submit_entry(
                session,
                user=advocate,
                challenge_id=reviewed.id,
                key=f"review-{advocate.id}",
                response={"url": "https://reviews.example/acme/1"},
            )
            if advocate is program.cat:
                await challenges.approve_submission(
                    session, staff=program.marketer, submission_id=entry.id
                )
            else:
                await challenges.reject_submission(
                    session, staff=program.marketer, submission_id=entry.id, feedback="No link"
                )
    report = await engagement(
        session, period=last_7_days(), group_id=None, values=ValueSettings(online_review=150)
    )
    assert [(c.title, c.completions, c.points, c.decided) for c in report.challenges] == [
        ("Review us", 1, 50, 2),
        ("Tell a colleague about Acme", 1, 50, 1),
    ]
    assert [c.approval_rate for c in report.challenges] == [0.5, 1.0]
    assert [(c.title, c.uses) for c in report.content] == [("Product fact sheet", 1)]
    assert [(a.name, a.points, a.referrals_won, a.value) for a in report.advocates] == [
        ("Ann Referrer", 50 + 200 + 1_300 + 30, 1, 5_000),
        ("Dan Early", 210, 0, 2),  # a content use
        ("Bob Builder", 100, 0, 10),  # a custom challenge
        ("Cat Quiet", 50, 0, 150),  # a review
    ]


async def test_quiet_advocates_by_how_long_the_most_points_first(
    session: AsyncSession, program: Program
) -> None:
    with days_ago(100):
        long_gone = await make_advocate(session, name="Long Gone")
        drifted = await make_advocate(session, name="Drifted Away")
    with days_ago(70):
        await sessions.record_visit(session, drifted, utcnow())
    with days_ago(45):
        await sessions.record_visit(session, long_gone, utcnow())
    counts, quiet = await quiet_advocates(session, group_id=None, limit=None)
    assert counts == {30: 2, 60: 1, 90: 0}
    assert {q.name for q in quiet} == {"Long Gone", "Drifted Away"}
    assert {q.name: q.last_active.date() for q in quiet if q.last_active} == {
        "Long Gone": (utcnow() - timedelta(days=45)).date(),
        "Drifted Away": (utcnow() - timedelta(days=70)).date(),
    }
    _, in_group = await quiet_advocates(session, group_id=program.group.id, limit=None)
    assert in_group == []
