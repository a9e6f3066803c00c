from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.engagement import sequences
from portal.engagement import service as engagement
from portal.outbox import preferences
from portal.outbox.models import EmailCategory, OutboxEmail
from portal.points import service as points
from tests.factories import give_points, make_advocate, make_marketer

BASE = "http://portal.test"


async def _kinds_sent(session: AsyncSession, user) -> list[str]:
    return list(
        await session.scalars(
            select(OutboxEmail.kind).where(OutboxEmail.user_id == user.id).order_by(OutboxEmail.id)
        )
    )


async def _onboard(session: AsyncSession) -> int:
    return await sequences.send_onboarding(session, now=clock.utcnow())


async def test_onboarding_steps_through_the_days_once_each(session: AsyncSession) -> None:
    advocate = await make_advocate(session, name="Ada Byron")
    advocate.record_login(clock.utcnow())
    await session.flush()
    assert await _onboard(session) == 1
    assert await _onboard(session) == 0  # a rerun (or a second worker) sends nothing
    for day, expected in ((2, 0), (14, 1), (15, 0), (21, 1)):
        with clock.shifted(timedelta(days=day, minutes=5)):
            assert await _onboard(session) == expected, day
    assert await _kinds_sent(session, advocate) == [
        "onboarding_welcome",
        "onboarding_refer",
        "onboarding_check_in",
    ]
    welcome = await session.scalar(
        select(OutboxEmail).where(OutboxEmail.kind == "onboarding_welcome")
    )
    assert f"{BASE}/r/{advocate.referral_code}" in welcome.text_body
    assert welcome.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


async def test_the_day_21_check_in_is_skipped_once_the_advocate_is_active(
    session: AsyncSession,
) -> None:
    advocate = await make_advocate(session)
    advocate.record_login(clock.utcnow())
    with clock.shifted(timedelta(days=3)):
        await give_points(session, advocate, 50)
    with clock.shifted(timedelta(days=21, minutes=5)):
        assert await _onboard(session) == 0
    assert "onboarding_check_in" not in await _kinds_sent(session, advocate)


async def test_people_who_joined_long_ago_get_no_backlog_of_onboarding(
    session: AsyncSession,
) -> None:
    advocate = await make_advocate(session)
    with clock.shifted(-timedelta(days=100)):
        advocate.record_login(clock.utcnow())
    assert await _onboard(session) == 0


async def test_quiet_advocates_get_two_different_nudges_once_per_quiet_spell(
    session: AsyncSession,
) -> None:
    await make_marketer(session)  # staff are never nudged
    advocate = await make_advocate(session)
    advocate.record_login(clock.utcnow())
    await give_points(session, advocate, 500)

    async def nudge() -> int:
        return await sequences.nudge_quiet_advocates(session, now=clock.utcnow())

    assert await nudge() == 0
    with clock.shifted(timedelta(days=31)):
        assert await nudge() == 1
        assert await nudge() == 0
    with clock.shifted(timedelta(days=45)):
        assert await nudge() == 0
    with clock.shifted(timedelta(days=61)):
        assert await nudge() == 1
        second = await session.scalar(
            select(OutboxEmail)
            .where(OutboxEmail.kind == "quiet_nudge")
            .order_by(OutboxEmail.id.desc())
        )
        assert "500 points are waiting" in second.subject
        await give_points(session, advocate, 10)  # back, and then quiet again
    with clock.shifted(timedelta(days=92)):
        assert await nudge() == 1
    assert await session.scalar(select(func.count()).where(OutboxEmail.kind == "quiet_nudge")) == 3


async def test_people_who_switched_reminders_off_get_no_nudges(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    await preferences.save_preferences(session, user=advocate, wanted={EmailCategory.DIGESTS})
    with clock.shifted(timedelta(days=31)):
        assert await sequences.nudge_quiet_advocates(session, now=clock.utcnow()) == 0
    assert await _kinds_sent(session, advocate) == []


async def test_weekly_digest_reports_the_week_and_the_rank_change(session: AsyncSession) -> None:
    climber = await make_advocate(session, name="Climber")
    leader = await make_advocate(session, name="Leader")
    monday = clock.utcnow() - timedelta(days=clock.utcnow().weekday())
    with clock.shifted(-timedelta(days=clock.utcnow().weekday() + 10)):  # the week before last
        await points.award(session, leader, points=500, reason="r", key="old:leader")
        await points.award(session, climber, points=100, reason="r", key="old:climber")
    with clock.shifted(-timedelta(days=clock.utcnow().weekday() + 3)):  # last week
        await points.award(session, climber, points=900, reason="r", key="last:climber")
    sent = await engagement.send_weekly_digest(session, now=monday + timedelta(hours=8))
    assert sent == 2
    assert await engagement.send_weekly_digest(session, now=monday + timedelta(hours=9)) == 0
    digest = await session.scalar(
        select(OutboxEmail).where(
            OutboxEmail.kind == "weekly_digest", OutboxEmail.user_id == climber.id
        )
    )
    assert "Points earned: 900" in digest.text_body
    assert "#1 (up 1)" in digest.text_body


async def test_day_7_brings_training_and_the_digest_names_new_content(
    session: AsyncSession, tmp_path
) -> None:
    from portal.content import samples
    from portal.files.storage import LocalStorage
    from tests.factories import make_asset

    storage = LocalStorage(tmp_path / "files")
    marketer = await make_marketer(session)
    await make_asset(
        session,
        storage,
        actor=marketer,
        title="Getting started in 5 minutes",
        data=samples.training_video(),
        filename="start.webm",
    )
    advocate = await make_advocate(session)
    advocate.record_login(clock.utcnow())
    await session.flush()
    with clock.shifted(timedelta(days=7, minutes=5)):
        assert await _onboard(session) == 1
    training = await session.scalar(
        select(OutboxEmail).where(OutboxEmail.kind == "onboarding_training")
    )
    assert "Getting started in 5 minutes" in training.text_body
    next_monday = clock.utcnow() + timedelta(days=7 - clock.utcnow().weekday())
    await engagement.send_weekly_digest(session, now=next_monday)
    digest = await session.scalar(
        select(OutboxEmail).where(
            OutboxEmail.kind == "weekly_digest", OutboxEmail.user_id == advocate.id
        )
    )
    assert "New in the library: Getting started in 5 minutes" in digest.text_body


async def test_challenges_reach_the_nudges_day_2_and_the_ending_soon_reminder(
    session: AsyncSession,
) -> None:
    from portal.challenges import service as challenges
    from tests.factories import make_challenge

    big = await make_challenge(session, title="Review us on G2", points=300)
    await make_challenge(session, title="Share the launch post", points=50)
    ending = await make_challenge(
        session,
        title="Answer the roadmap survey",
        points=100,
        ends_at=clock.utcnow() + timedelta(hours=30),
    )
    doer = await make_advocate(session, name="Doer")
    idler = await make_advocate(session, name="Idler")
    idler.record_login(clock.utcnow() - timedelta(days=2, minutes=5))
    await challenges.submit_entry(
        session, user=doer, challenge_id=ending.id, key="done", response={"text": "Done it"}
    )
    await session.flush()

    assert await _onboard(session) == 2  # the welcome (late, within the catch-up) and day 2
    day_two = await session.scalar(
        select(OutboxEmail).where(OutboxEmail.kind == "onboarding_challenges")
    )
    assert day_two.text_body.index(big.title) < day_two.text_body.index("Share the launch post")

    sent = await engagement.remind_challenges_ending(session, now=clock.utcnow())
    again = await engagement.remind_challenges_ending(session, now=clock.utcnow())
    assert again == 0
    reminded = set(
        await session.scalars(
            select(OutboxEmail.user_id).where(OutboxEmail.kind == "challenge_ending")
        )
    )
    assert idler.id in reminded
    assert doer.id not in reminded
    assert sent == len(reminded)


async def test_staff_hear_of_entries_to_review_and_groups_of_new_challenges(
    session: AsyncSession,
) -> None:
    from portal.challenges import service as challenges
    from portal.challenges.models import Approval
    from portal.notifications.models import Notification
    from portal.people.models import Group, GroupMember
    from tests.factories import make_challenge

    marketer = await make_marketer(session)
    member = await make_advocate(session, name="Member")
    outsider = await make_advocate(session, name="Outsider")
    group = Group(name="Pilot")
    session.add(group)
    await session.flush()
    session.add(GroupMember(group_id=group.id, user_id=member.id))
    await session.flush()
    challenge = await make_challenge(
        session, title="Pilot survey", approval=Approval.MANUAL, group_ids=frozenset({group.id})
    )
    titles = dict((await session.execute(select(Notification.user_id, Notification.title))).all())
    assert titles.get(member.id) == "New challenge for you: Pilot survey"
    assert outsider.id not in titles
    await challenges.submit_entry(
        session, user=member, challenge_id=challenge.id, key="k", response={"text": "Done"}
    )
    review = await session.scalar(
        select(Notification).where(
            Notification.user_id == marketer.id, Notification.kind == "submission_to_review"
        )
    )
    assert "Member completed “Pilot survey”" in review.title
