"""What changes a person's segments: joining, points, levels, referrals and profile answers.
Each queues a refresh of that one person's segments for after the commit."""

from sqlalchemy.ext.asyncio import AsyncSession

from portal import events
from portal.jobs import enqueue


def _refresh(session: AsyncSession, user_id: int) -> None:
    enqueue(session, "refresh_person_segments", user_id=user_id)


async def person_changed(
    session: AsyncSession,
    event: events.AdvocateJoined
    | events.LevelReached
    | events.PointsAwarded
    | events.ProfileChanged,
) -> None:
    _refresh(session, event.user_id)


async def referrer_changed(
    session: AsyncSession, event: events.ReferralSubmitted | events.ReferralStageChanged
) -> None:
    _refresh(session, event.referrer_id)
