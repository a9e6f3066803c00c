"""The rules that read the score: trusted advocates skip review (entries; code and gift-card
redemptions up to a points amount), and under the threshold everything waits for a person."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.models import AuditEntry
from portal.challenges import service as challenges
from portal.challenges.models import Approval, SubmissionStatus
from portal.notifications.models import Notification
from portal.points import service as points
from portal.rewards import service as rewards
from portal.rewards.models import RedemptionStatus, RewardKind
from portal.trust import service as trust
from portal.trust.service import Reason
from tests.factories import (
    give_points,
    make_admin,
    make_advocate,
    make_challenge,
    make_marketer,
    make_reward,
)


async def _scored(session: AsyncSession, score: int):  # type: ignore[no-untyped-def]
    person = await make_advocate(session)
    await trust.store_score(
        session, user_id=person.id, score=score, reasons=[Reason("set for the test", 0)]
    )
    return person


async def _settings(session: AsyncSession, **values: int) -> None:
    await trust.save_settings(session, actor=await make_admin(session), **values)


async def _enter(session: AsyncSession, person, challenge, key: str = "k"):  # type: ignore[no-untyped-def]
    return await challenges.submit_entry(
        session, user=person, challenge_id=challenge.id, key=key, response={"text": "done"}
    )


async def test_entries_of_trusted_advocates_are_approved_at_once(session: AsyncSession) -> None:
    await _settings(session, auto_approve_from=80)
    challenge = await make_challenge(session, approval=Approval.MANUAL, points=40)
    trusted, neutral = await _scored(session, 85), await _scored(session, 79)
    approved = await _enter(session, trusted, challenge, key="a")
    waiting = await _enter(session, neutral, challenge, key="b")
    assert approved.status == SubmissionStatus.APPROVED
    assert (await points.balance_of(session, trusted)).current == 40
    assert waiting.status == SubmissionStatus.PENDING
    assert (await points.balance_of(session, neutral)).current == 0
    why = await session.scalar(
        select(AuditEntry.summary).where(AuditEntry.action == "trust.submission_approved")
    )
    assert why.endswith("approved at once (trust score 85, at least 80)")


async def test_with_the_rule_off_a_high_score_still_waits(session: AsyncSession) -> None:
    challenge = await make_challenge(session, approval=Approval.MANUAL)
    entry = await _enter(session, await _scored(session, 100), challenge)
    assert entry.status == SubmissionStatus.PENDING


async def test_under_the_threshold_even_automatic_challenges_go_to_review(
    session: AsyncSession,
) -> None:
    await _settings(session, review_below=40, auto_approve_from=80)
    marketer = await make_marketer(session)
    challenge = await make_challenge(session, approval=Approval.AUTO)
    low = await _scored(session, 25)
    entry = await _enter(session, low, challenge)
    assert entry.status == SubmissionStatus.PENDING
    assert (await points.balance_of(session, low)).current == 0
    told = await session.scalar(
        select(Notification).where(
            Notification.user_id == marketer.id, Notification.kind == "submission_to_review"
        )
    )
    assert told is not None
    # An unscored advocate (no history yet) is treated as the challenge says.
    fresh = await make_advocate(session)
    assert (await _enter(session, fresh, challenge, key="f")).status == SubmissionStatus.APPROVED


async def _code_reward(session: AsyncSession, *, cost: int = 300, kind=RewardKind.CODE):  # type: ignore[no-untyped-def]
    reward = await make_reward(
        session, kind=kind, cost=cost, uses_code_pool=True, needs_approval=True, title="Gift card"
    )
    await rewards.add_codes(
        session,
        staff=await make_marketer(session),
        reward_id=reward.id,
        codes=[f"CODE-{n:03}" for n in range(20)],
    )
    return reward


async def _redeem(session: AsyncSession, person, reward, key: str = "r"):  # type: ignore[no-untyped-def]
    await give_points(session, person, reward.cost)
    return await rewards.request_redemption(
        session, user=person, reward_id=reward.id, key=key, shipping=None
    )


async def test_code_rewards_are_fulfilled_at_once_for_trusted_advocates_up_to_the_limit(
    session: AsyncSession,
) -> None:
    await _settings(session, auto_fulfil_from=70, auto_fulfil_max_points=500)
    card = await _code_reward(session, kind=RewardKind.GIFT_CARD)
    dear = await _code_reward(session, cost=900)
    trusted = await _scored(session, 90)
    fulfilled = await _redeem(session, trusted, card, key="a")
    assert fulfilled.status == RedemptionStatus.FULFILLED
    assert fulfilled.code is not None
    over_limit = await _redeem(session, trusted, dear, key="b")
    assert over_limit.status == RedemptionStatus.REQUESTED
    assert over_limit.code is None
    untrusted = await _redeem(session, await _scored(session, 60), card, key="c")
    assert untrusted.status == RedemptionStatus.REQUESTED
    physical = await make_reward(session, cost=100)  # a hoodie ships: a person looks
    assert (await _redeem(session, trusted, physical, key="d")).status == RedemptionStatus.REQUESTED


async def test_under_the_threshold_a_reward_without_approval_waits(session: AsyncSession) -> None:
    await _settings(session, review_below=40)
    marketer = await make_marketer(session)
    reward = await make_reward(session, cost=100, needs_approval=False)
    held = await _redeem(session, await _scored(session, 10), reward, key="low")
    assert held.status == RedemptionStatus.REQUESTED
    told = await session.scalar(
        select(Notification).where(
            Notification.user_id == marketer.id, Notification.kind == "redemption_to_fulfil"
        )
    )
    assert told is not None
    assert (await _redeem(session, await _scored(session, 55), reward, key="ok")).status == (
        RedemptionStatus.APPROVED
    )


async def test_trusted_advocates_points_skip_the_clearance_window(session: AsyncSession) -> None:
    await points.save_rules(session, actor=await make_marketer(session), clear_referral_won_days=30)
    await _settings(session, clear_early_from=90)
    won = points.Source("referral", 1)
    trusted, neutral = await _scored(session, 92), await _scored(session, 89)
    paid = await points.award(
        session,
        trusted,
        points=500,
        reason="Won",
        key="t",
        source=won,
        earning=points.Earning.REFERRAL_WON,
    )
    held = await points.award(
        session,
        neutral,
        points=500,
        reason="Won",
        key="n",
        source=won,
        earning=points.Earning.REFERRAL_WON,
    )
    assert not paid.is_pending
    assert (await points.balance_of(session, trusted)).current == 500
    assert held.is_pending
    assert held.pending_until is not None
    assert (await points.balance_of(session, neutral)).current == 0
    why = await session.scalar(
        select(AuditEntry.summary).where(AuditEntry.action == "trust.points_approved")
    )
    assert why.endswith("approved at once (trust score 92, at least 90)")


async def test_early_clearance_never_pays_points_held_for_review(session: AsyncSession) -> None:
    await _settings(session, clear_early_from=50)
    trusted = await _scored(session, 99)
    held = await points.award(
        session, trusted, points=50, reason="Referral", key="r", review="Flagged referral"
    )
    assert held.is_pending
    assert held.pending_until is None
    assert (await points.balance_of(session, trusted)).current == 0
