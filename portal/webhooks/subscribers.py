"""From the portal's domain events to webhook deliveries: each handler runs in the transaction
that raised the event and writes what each subscribed endpoint will be sent (the body is fixed
now, as the change stands); jobs send it after the commit. Payloads carry ids and the facts a
receiver needs, so a CRM can act without calling back."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from portal import events
from portal.people.models import User
from portal.points.models import Level
from portal.referrals.models import Referral
from portal.webhooks.service import deliveries


async def _person(session: AsyncSession, user_id: int) -> dict[str, Any]:
    user = await session.get(User, user_id)
    if user is None:
        return {"id": user_id}
    return {"id": user.id, "email": user.email, "name": user.display_name}


async def _referral(session: AsyncSession, referral_id: int) -> dict[str, Any]:
    referral = await session.get(Referral, referral_id)
    if referral is None:
        return {"id": referral_id}
    return {
        "id": referral.id,
        "external_id": referral.external_id,
        "order_id": referral.order_id,
        "stage": str(referral.stage),
        "source": str(referral.source),
        "referrer": await _person(session, referral.referrer_id),
        "prospect": {
            "name": referral.prospect_name,
            "email": referral.prospect_email or None,
            "company": referral.prospect_company,
            "job_title": referral.prospect_job_title,
        },
        "deal_value": referral.deal_value,
        "created_at": referral.created_at.isoformat(),
        "updated_at": referral.updated_at.isoformat(),
    }


async def referral_created(session: AsyncSession, event: events.ReferralSubmitted) -> None:
    await deliveries.record_event(
        session,
        "referral.created",
        {"referral": await _referral(session, event.referral_id)},
        ordering_key=f"referral:{event.referral_id}",
    )


async def referral_stage_changed(session: AsyncSession, event: events.ReferralStageChanged) -> None:
    await deliveries.record_event(
        session,
        "referral.stage_changed",
        {
            "referral": await _referral(session, event.referral_id),
            "from_stage": event.from_stage,
            "to_stage": event.to_stage,
            "points": event.points,
        },
        ordering_key=f"referral:{event.referral_id}",
    )


async def submission_decided(session: AsyncSession, event: events.SubmissionDecided) -> None:
    await deliveries.record_event(
        session,
        f"submission.{event.status}",
        {
            "submission_id": event.submission_id,
            "challenge_id": event.challenge_id,
            "advocate": await _person(session, event.user_id),
            "status": event.status,
        },
        ordering_key=f"submission:{event.submission_id}",
    )


async def redemption_changed(session: AsyncSession, event: events.RedemptionChanged) -> None:
    requested = event.status == "requested"
    await deliveries.record_event(
        session,
        "redemption.requested" if requested else "redemption.status_changed",
        {
            "redemption_id": event.redemption_id,
            "reward_id": event.reward_id,
            "advocate": await _person(session, event.user_id),
            "status": event.status,
        },
        ordering_key=f"redemption:{event.redemption_id}",
    )


async def advocate_joined(session: AsyncSession, event: events.AdvocateJoined) -> None:
    await deliveries.record_event(
        session,
        "advocate.joined",
        {"advocate": await _person(session, event.user_id)},
        ordering_key=f"user:{event.user_id}",
    )


async def level_reached(session: AsyncSession, event: events.LevelReached) -> None:
    level = await session.get(Level, event.level_id)
    await deliveries.record_event(
        session,
        "advocate.level_reached",
        {
            "advocate": await _person(session, event.user_id),
            "level": {
                "id": event.level_id,
                "name": level.name if level else "",
                "min_points": level.min_points if level else None,
            },
        },
        ordering_key=f"user:{event.user_id}",
    )


async def points_awarded(session: AsyncSession, event: events.PointsAwarded) -> None:
    await deliveries.record_event(
        session,
        "points.awarded",
        {
            "entry_id": event.entry_id,
            "advocate": await _person(session, event.user_id),
            "points": event.points,
            "reason": event.reason,
            "source": {"type": event.source_type, "id": event.source_id},
        },
        ordering_key=f"user:{event.user_id}",
    )


async def advocacy_event_recorded(
    session: AsyncSession, event: events.AdvocacyEventRecorded
) -> None:
    await deliveries.record_event(
        session,
        "event.recorded",
        {
            "recorded_id": event.recorded_id,
            "advocate": await _person(session, event.user_id),
            "event_type": event.event_type,
            "points": event.points,
        },
        ordering_key=f"user:{event.user_id}",
    )
