"""What changes a trust score: a decided entry, a referral arriving or moving, joining, and a
first single sign-on. The score is rewritten in the same transaction, so a rule that reads it
next (an auto-approval) sees the change."""

from sqlalchemy.ext.asyncio import AsyncSession

from portal import events
from portal.trust_scoring import service


async def person_changed(
    session: AsyncSession,
    event: events.SubmissionDecided | events.AdvocateJoined | events.SignedInWithSso,
) -> None:
    await service.recompute(session, event.user_id)


async def referrer_changed(
    session: AsyncSession, event: events.ReferralSubmitted | events.ReferralStageChanged
) -> None:
    await service.recompute(session, event.referrer_id)
