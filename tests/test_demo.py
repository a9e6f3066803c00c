from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth.models import Group, User, UserStatus
from portal.demo import ADVOCATES, STAFF, seed_session
from portal.program import service as program


async def test_demo_data_is_believable_and_seeding_twice_adds_nothing(
    session: AsyncSession,
) -> None:
    logins = await seed_session(session, base_url="http://portal.test")
    users = await session.scalar(select(func.count()).select_from(User))
    assert users == len(STAFF) + len(ADVOCATES) + 1  # plus one open invitation
    assert len(ADVOCATES) >= 12
    assert {email for _, email in logins} >= {"admin@acme.example", "sales@acme.example"}
    assert (await program.load(session)).program_name == "Acme Advocates"

    await seed_session(session, base_url="http://portal.test")
    assert await session.scalar(select(func.count()).select_from(User)) == users
    assert await session.scalar(select(func.count()).select_from(Group)) == 3
    invited = await session.scalar(select(func.count()).where(User.status == UserStatus.INVITED))
    assert invited == 1


async def test_demo_points_fill_the_boards_and_reseeding_keeps_the_ledger(
    session: AsyncSession,
) -> None:
    from portal.points import service as points
    from portal.points.models import LedgerEntry, Period

    await seed_session(session, base_url="http://portal.test")
    entries = await session.scalar(select(func.count()).select_from(LedgerEntry))
    week = await points.leaderboard(session, period=Period.WEEK)
    all_time = await points.leaderboard(session, period=Period.ALL_TIME)
    assert len(all_time.rows) >= 10
    assert week.rows[0].name != all_time.rows[0].name  # the board moved this week
    assert await points.reconcile_balances(session) == []
    await seed_session(session, base_url="http://portal.test")
    assert await session.scalar(select(func.count()).select_from(LedgerEntry)) == entries


async def test_demo_rewards_cover_every_kind_and_status(session: AsyncSession) -> None:
    from portal.rewards.models import Redemption, Reward

    await seed_session(session, base_url="http://portal.test")
    kinds = set(await session.scalars(select(Reward.kind)))
    statuses = set(await session.scalars(select(Redemption.status)))
    assert kinds == {"physical", "gift_card", "code", "donation", "experience"}
    assert statuses == {"requested", "approved", "fulfilled", "rejected"}
    redemptions = await session.scalar(select(func.count()).select_from(Redemption))
    await seed_session(session, base_url="http://portal.test")
    assert await session.scalar(select(func.count()).select_from(Redemption)) == redemptions


async def test_demo_referrals_fill_every_stage_and_reseeding_adds_nothing(
    session: AsyncSession,
) -> None:
    from portal.points import service as points
    from portal.referrals.models import Referral, ReferralEvent, Stage

    await seed_session(session, base_url="http://portal.test")
    stages = set(await session.scalars(select(Referral.stage)))
    assert stages == set(Stage)
    referrers = await session.scalar(select(func.count(func.distinct(Referral.referrer_id))))
    assert referrers >= 8
    assert await session.scalar(select(func.count()).where(Referral.flags != "")) >= 1
    counts = [
        await session.scalar(select(func.count()).select_from(model))
        for model in (Referral, ReferralEvent)
    ]
    await seed_session(session, base_url="http://portal.test")
    again = [
        await session.scalar(select(func.count()).select_from(model))
        for model in (Referral, ReferralEvent)
    ]
    assert again == counts
    assert await points.reconcile_balances(session) == []


async def test_demo_challenges_cover_every_type_and_fill_the_approval_queue(
    session: AsyncSession,
) -> None:
    from portal.challenges import service as challenges
    from portal.challenges.models import Challenge, ChallengeType, Submission
    from portal.points import service as points

    await seed_session(session, base_url="http://portal.test")
    types = set(await session.scalars(select(Challenge.type)))
    assert types == set(ChallengeType)
    statuses = set(await session.scalars(select(Submission.status)))
    assert statuses == {"pending", "approved", "rejected"}
    assert len(await challenges.approval_queue(session)) >= 5
    refer = await session.scalar(
        select(func.count())
        .select_from(Submission)
        .join(Challenge, Challenge.id == Submission.challenge_id)
        .where(Challenge.type == ChallengeType.REFER)
    )
    assert refer >= 1  # demo referrals completed the refer challenge
    counts = [
        await session.scalar(select(func.count()).select_from(model))
        for model in (Challenge, Submission)
    ]
    await seed_session(session, base_url="http://portal.test")
    again = [
        await session.scalar(select(func.count()).select_from(model))
        for model in (Challenge, Submission)
    ]
    assert again == counts
    assert await points.reconcile_balances(session) == []
