"""Welcome rewards for referred friends: a code from the pool marked for them (an ordinary code
pool, so its inventory and low-pool alerts are the reward's) and the offer, by email. The gift
row's unique referral id makes it exactly once: a second move of the same referral, in this
worker or another, finds the row, or waits for the first one's commit and then finds it."""

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from portal import events
from portal.outbox import service as outbox
from portal.rewards.models import FriendGift, Reward, RewardCode
from portal.rewards.service.stock import unit_taken


async def friends_pool(session: AsyncSession) -> Reward | None:
    return await session.scalar(
        select(Reward)
        .where(Reward.for_referred_friends.is_(True), Reward.uses_code_pool.is_(True))
        .order_by(Reward.id)
        .limit(1)
    )


async def give_friend_reward(session: AsyncSession, event: events.FriendRewardDue) -> None:
    """Subscribed to `FriendRewardDue`, in the referral's transaction."""
    given = select(FriendGift.id).where(FriendGift.referral_id == event.referral_id)
    if await session.scalar(given) is not None:
        return
    pool = await friends_pool(session)
    gift = FriendGift(
        referral_id=event.referral_id,
        reward_id=pool.id if pool else None,
        email=event.email,
    )
    try:
        async with session.begin_nested():
            session.add(gift)
            await session.flush()
    except IntegrityError:  # another worker's move of this referral gave it first
        return
    if pool is not None:
        gift.code = await _draw_code(session, pool.id)
        await unit_taken(session, pool)
    if not gift.code and not event.offer:
        return  # nothing to send: the pool is empty (its staff were alerted) and no offer is set
    await outbox.queue_email(
        session,
        to=event.email,
        kind="friend_reward",
        context={
            "name": event.name,
            "referrer": event.referrer_name,
            "offer": event.offer,
            "code": gift.code or "",
        },
    )


async def _draw_code(session: AsyncSession, reward_id: int) -> str | None:
    """Takes the oldest unused code out of the pool; a code another transaction is taking is
    passed over (PostgreSQL) or waited for (SQLite writes one at a time)."""
    free = (
        select(RewardCode.id)
        .where(RewardCode.reward_id == reward_id, RewardCode.redemption_id.is_(None))
        .order_by(RewardCode.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    return await session.scalar(
        delete(RewardCode)
        .where(RewardCode.id == free, RewardCode.redemption_id.is_(None))
        .returning(RewardCode.code)
        .execution_options(synchronize_session=False)
    )
