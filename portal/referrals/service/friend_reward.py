"""The referred friend's welcome reward: when their referral reaches the stage chosen in
Manage → Referrals (or is submitted, when that is the stage), the referrals side says so with a
`FriendRewardDue` event; the rewards side draws a code from the friends' pool and emails it with
the offer, once per referral however often the event comes."""

from sqlalchemy.ext.asyncio import AsyncSession

from portal import events
from portal.people.models import User
from portal.referrals.models import Referral, Stage
from portal.referrals.service.config import load_settings


async def offer_if_due(session: AsyncSession, referral: Referral, referrer: User) -> None:
    """Raises the event while the referral is open and has reached the chosen stage (skipped
    stages count as reached). A referral known only by code has no address to send to."""
    config = await load_settings(session)
    due_at = config.friend_reward_at
    if due_at is None or not referral.prospect_email:
        return
    if Stage(referral.stage).is_closed or Stage(referral.reached_stage).rank < due_at.rank:
        return
    await events.publish(
        session,
        events.FriendRewardDue(
            referral_id=referral.id,
            email=referral.prospect_email,
            name=referral.prospect_name,
            referrer_name=referrer.display_name,
            offer=config.friend_offer,
        ),
    )
