"""The program team's side of redemptions: approving, rejecting (with the refund), fulfilling,
and the fulfilment queue."""

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal.audit import service as audit
from portal.clock import utcnow
from portal.errors import Conflict, PortalError
from portal.i18n import N_
from portal.people.models import User
from portal.rewards.models import (
    Redemption,
    RedemptionStatus,
    Reward,
    RewardKind,
)
from portal.rewards.service.redemptions import (
    access_redemption,
    approve_now,
    close_redemption,
    publish_change,
    tell_advocate,
)

# What the queue opens on: redemptions someone still has to approve or send.
NEEDS_WORK = (RedemptionStatus.REQUESTED, RedemptionStatus.APPROVED)


async def reject_redemption(
    session: AsyncSession, *, staff: User, redemption_id: int, reason: str
) -> Redemption:
    if not reason.strip():
        raise PortalError(N_("Say why: the advocate sees the reason."))
    redemption = await access_redemption(
        session, viewer=staff, redemption_id=redemption_id, staff=True
    )
    await close_redemption(
        session,
        redemption,
        status=RedemptionStatus.REJECTED,
        reason=reason.strip(),
        by=staff,
    )
    await _audit(session, staff, redemption, "rewards.redemption_rejected", reason.strip())
    await tell_advocate(
        session,
        redemption,
        user=redemption.user,
        reward=redemption.reward,
        title=N_("Your %(reward)s redemption was declined"),
    )
    return redemption


async def approve_redemption(
    session: AsyncSession, *, staff: User, redemption_id: int
) -> Redemption:
    redemption = await access_redemption(
        session, viewer=staff, redemption_id=redemption_id, staff=True
    )
    if redemption.status != RedemptionStatus.REQUESTED:
        raise Conflict(N_("This redemption was already handled."))
    await approve_now(
        session,
        redemption,
        reward=redemption.reward,
        user=redemption.user,
        by=staff,
    )
    await _audit(session, staff, redemption, "rewards.redemption_approved", "")
    return redemption


async def fulfil_redemption(
    session: AsyncSession, *, staff: User, redemption_id: int, tracking_note: str
) -> Redemption:
    redemption = await access_redemption(
        session, viewer=staff, redemption_id=redemption_id, staff=True
    )
    if redemption.status != RedemptionStatus.APPROVED:
        raise Conflict(N_("Approve the redemption before marking it fulfilled."))
    redemption.status = RedemptionStatus.FULFILLED
    redemption.fulfilled_at = utcnow()
    redemption.tracking_note = tracking_note.strip()[:500]
    await session.flush()
    await publish_change(session, redemption)
    await _audit(
        session, staff, redemption, "rewards.redemption_fulfilled", redemption.tracking_note
    )
    await tell_advocate(
        session,
        redemption,
        user=redemption.user,
        reward=redemption.reward,
        title=N_("Your %(reward)s is on its way"),
    )
    return redemption


async def _audit(
    session: AsyncSession, staff: User, redemption: Redemption, action: str, note: str
) -> None:
    await audit.record(
        session,
        actor=staff,
        action=action,
        target_type="redemption",
        target_id=redemption.id,
        summary=f"{redemption.reward.title} for {redemption.user.email}"
        + (f": {note}" if note else ""),
        after={"status": str(redemption.status)},
    )


async def fulfilment_queue(
    session: AsyncSession,
    *,
    statuses: Collection[RedemptionStatus] | None = None,
    kind: RewardKind | None = None,
) -> list[Redemption]:
    """Redemptions in any of `statuses` (None: every status), newest first."""
    query = (
        select(Redemption)
        .join(Reward, Reward.id == Redemption.reward_id)
        .options(selectinload(Redemption.reward), selectinload(Redemption.user))
        .options(selectinload(Redemption.code))
    )
    if statuses is not None:
        query = query.where(Redemption.status.in_(statuses))
    if kind is not None:
        query = query.where(Reward.kind == kind)
    return list(await session.scalars(query.order_by(Redemption.id.desc()).limit(500)))
