import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.errors import Conflict
from portal.outbox.models import OutboxEmail
from portal.points import service as points
from portal.rewards import service as rewards
from portal.rewards.models import Redemption, RedemptionStatus, RewardCode, RewardKind
from tests.factories import give_points, make_advocate, make_marketer, make_reward

BASE = "http://portal.test"
SHIPPING = {
    "name": "Ada",
    "street": "1 Main St",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "Germany",
    "phone": "",
}


async def _redeem(session, user, reward, key="k1", shipping=SHIPPING):
    return await rewards.request_redemption(
        session, user=user, reward_id=reward.id, key=key, shipping=shipping
    )


async def test_redeeming_spends_the_points_and_takes_a_unit(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    await give_points(session, advocate, 800)
    reward = await make_reward(session, inventory=3)
    redemption = await _redeem(session, advocate, reward)
    assert redemption.status == RedemptionStatus.REQUESTED
    assert redemption.shipping["city"] == "Berlin"
    assert (await points.balance_of(session, advocate)).current == 300
    await session.refresh(reward)
    assert reward.inventory == 2
    [entry] = await points.history(session, advocate, limit=1)
    assert entry.idempotency_key == f"redemption:{redemption.id}:spend"


async def test_a_double_submit_is_one_redemption(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    await give_points(session, advocate, 2_000)
    reward = await make_reward(session)
    first = await _redeem(session, advocate, reward, key="same")
    again = await _redeem(session, advocate, reward, key="same")
    assert again.id == first.id
    assert (await points.balance_of(session, advocate)).current == 1_500


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ({"cost": 5_000}, rewards.CannotRedeem.NOT_ENOUGH_POINTS),
        ({"inventory": 0}, rewards.CannotRedeem.SOLD_OUT),
    ],
)
async def test_refusals_leave_nothing_changed(session: AsyncSession, setup, reason) -> None:
    advocate = await make_advocate(session)
    await give_points(session, advocate, 800)
    reward = await make_reward(session, **setup)
    with pytest.raises(rewards.RedeemRefused) as refused:
        await _redeem(session, advocate, reward)
    assert refused.value.reason == reason
    assert (await points.balance_of(session, advocate)).current == 800
    await session.refresh(reward)
    assert reward.inventory == setup.get("inventory")
    assert await session.scalar(select(func.count()).select_from(Redemption)) == 0


async def test_the_per_user_limit_holds(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    await give_points(session, advocate, 2_000)
    reward = await make_reward(session, per_user_limit=1, cost=100)
    await _redeem(session, advocate, reward, key="a")
    with pytest.raises(rewards.RedeemRefused) as refused:
        await _redeem(session, advocate, reward, key="b")
    assert refused.value.reason == rewards.CannotRedeem.LIMIT_REACHED
    assert (await points.balance_of(session, advocate)).current == 1_900


async def test_another_groups_reward_is_not_found_and_an_inactive_one_is_refused(
    session: AsyncSession,
) -> None:
    from portal.errors import NotFound
    from portal.people.models import Group

    advocate = await make_advocate(session)
    await give_points(session, advocate, 800)
    group = Group(name="VIPs")
    session.add(group)
    await session.flush()
    hidden = await make_reward(session, group_ids=frozenset({group.id}))
    inactive = await make_reward(session, is_active=False)
    with pytest.raises(NotFound):
        await _redeem(session, advocate, hidden, key="hidden")
    with pytest.raises(rewards.RedeemRefused) as refused:
        await _redeem(session, advocate, inactive, key="inactive")
    assert refused.value.reason == rewards.CannotRedeem.INACTIVE
    titles = [item.reward.id for item in await rewards.catalog(session, viewer=advocate)]
    assert hidden.id not in titles
    assert inactive.id not in titles


async def test_a_code_reward_without_approval_delivers_a_code_at_once(
    session: AsyncSession,
) -> None:
    advocate = await make_advocate(session)
    await give_points(session, advocate, 500)
    marketer = await make_marketer(session)
    reward = await make_reward(
        session, kind=RewardKind.GIFT_CARD, uses_code_pool=True, needs_approval=False, cost=250
    )
    upload = await rewards.add_codes(
        session, staff=marketer, reward_id=reward.id, codes=["AAAA-1111", "BBBB-2222", "AAAA-1111"]
    )
    assert upload.added == 2
    assert upload.duplicates == ["AAAA-1111"]
    redemption = await _redeem(session, advocate, reward, shipping=None)
    assert redemption.status == RedemptionStatus.FULFILLED
    assert redemption.code.code == "AAAA-1111"
    email = await session.scalar(select(OutboxEmail).where(OutboxEmail.kind == "redemption_status"))
    assert "AAAA-1111" in email.text_body
    again = await rewards.add_codes(
        session, staff=marketer, reward_id=reward.id, codes=["BBBB-2222"]
    )
    assert (again.added, again.duplicates) == (0, ["BBBB-2222"])


async def test_rejecting_refunds_once_and_returns_the_unit(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    marketer = await make_marketer(session)
    await give_points(session, advocate, 600)
    reward = await make_reward(session, inventory=1)
    redemption = await _redeem(session, advocate, reward)
    with pytest.raises(Exception, match="Say why"):
        await rewards.reject_redemption(
            session, staff=marketer, redemption_id=redemption.id, reason=" "
        )
    await rewards.reject_redemption(
        session, staff=marketer, redemption_id=redemption.id, reason="Out of size L"
    )
    with pytest.raises(Conflict):
        await rewards.reject_redemption(
            session, staff=marketer, redemption_id=redemption.id, reason="again"
        )
    assert (await points.balance_of(session, advocate)).current == 600
    await session.refresh(reward)
    assert reward.inventory == 1


async def test_cancel_only_while_requested(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    marketer = await make_marketer(session)
    await give_points(session, advocate, 1_000)
    reward = await make_reward(session)
    first = await _redeem(session, advocate, reward, key="c1")
    await rewards.cancel_redemption(session, user=advocate, redemption_id=first.id)
    assert (await points.balance_of(session, advocate)).current == 1_000
    second = await _redeem(session, advocate, reward, key="c2")
    await rewards.approve_redemption(session, staff=marketer, redemption_id=second.id)
    with pytest.raises(Exception, match="still waiting"):
        await rewards.cancel_redemption(session, user=advocate, redemption_id=second.id)
    done = await rewards.fulfil_redemption(
        session, staff=marketer, redemption_id=second.id, tracking_note="DHL 123"
    )
    assert done.status == RedemptionStatus.FULFILLED
    assert done.tracking_note == "DHL 123"


async def test_a_revealed_code_does_not_go_back_to_the_pool(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    marketer = await make_marketer(session)
    await give_points(session, advocate, 500)
    reward = await make_reward(
        session, kind=RewardKind.CODE, uses_code_pool=True, needs_approval=True, cost=100
    )
    await rewards.add_codes(session, staff=marketer, reward_id=reward.id, codes=["ONE", "TWO"])
    redemption = await _redeem(session, advocate, reward, shipping=None)
    await rewards.approve_redemption(session, staff=marketer, redemption_id=redemption.id)
    free = await session.scalar(select(func.count()).where(RewardCode.redemption_id.is_(None)))
    assert free == 1
    # a fulfilled code redemption can't be rejected: the code was seen
    with pytest.raises(Exception, match="already handled"):
        await rewards.reject_redemption(
            session, staff=marketer, redemption_id=redemption.id, reason="oops"
        )
    assert await session.scalar(select(func.count()).where(RewardCode.redemption_id.is_(None))) == 1


async def test_a_reward_for_a_deleted_group_stays_hidden_instead_of_going_to_everyone(
    session: AsyncSession,
) -> None:
    from portal.people.models import Group

    advocate = await make_advocate(session)
    group = Group(name="Beta testers")
    session.add(group)
    await session.flush()
    reward = await make_reward(session, group_ids=frozenset({group.id}))
    await session.delete(group)
    await session.flush()
    assert reward.id not in [
        item.reward.id for item in await rewards.catalog(session, viewer=advocate)
    ]
