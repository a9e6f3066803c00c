"""What challenges do when something happens elsewhere: using a content item or submitting a
referral completes the open challenges that ask for it, in the same transaction (wired in
`portal.subscriptions`)."""

from sqlalchemy.ext.asyncio import AsyncSession

from portal import events
from portal.challenges.service.submit import record_asset_used, record_referral_submitted
from portal.people.models import User


async def _user(session: AsyncSession, user_id: int) -> User:
    """The person who acted; usually already in the session, so no query."""
    user = await session.get(User, user_id)
    assert user is not None  # noqa: S101 (the event was raised in this transaction, about them)
    return user


async def complete_asset_challenges(session: AsyncSession, event: events.AssetUsed) -> None:
    user = await _user(session, event.user_id)
    await record_asset_used(session, user=user, asset_id=event.asset_id, watched=event.watched)


async def complete_refer_challenges(session: AsyncSession, event: events.ReferralSubmitted) -> None:
    user = await _user(session, event.referrer_id)
    await record_referral_submitted(
        session, user=user, referral_id=event.referral_id, company=event.company
    )
