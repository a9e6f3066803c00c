"""What a referral's points wait for, and what a referral gives back: a flagged referral's points
stay pending until a rep clears its flags; a referral rejected as a duplicate, a self-referral or
invalid hands back everything it paid, and a won deal moved back within its clearance window
hands back what winning paid (pending points are cancelled, paid ones reversed)."""

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit import service as audit
from portal.clock import utcnow
from portal.errors import Conflict
from portal.i18n import N_
from portal.people.models import User
from portal.points import service as points
from portal.referrals.models import CLOSE_REASON_LABELS, PIPELINE, CloseReason, Referral, Stage
from portal.wording import wording

# Rejections that mean the referral should never have paid.
CLAWBACK_REASONS = frozenset(
    {CloseReason.DUPLICATE, CloseReason.SELF_REFERRAL, CloseReason.INVALID}
)


class NotFlagged(Conflict):
    message = N_("This referral has no flags to clear.")


def stage_key(referral: Referral, stage: Stage) -> str:
    return f"referral:{referral.id}:stage:{stage.value}"


def review_reason(referral: Referral) -> str | None:
    """Why the referral's points wait for a person, or None when nothing holds them."""
    if not referral.is_flagged:
        return None
    return "Flagged referral: " + ", ".join(flag.label for flag in referral.flag_list)


async def point_standings(
    session: AsyncSession, referrals: list[Referral]
) -> dict[str, points.Standing]:
    """Where each stage's pending points stand, by ledger key, for the timelines."""
    keys = [stage_key(referral, stage) for referral in referrals for stage in PIPELINE]
    return await points.standings_by_key(session, keys)


async def clear_flags(session: AsyncSession, referral: Referral, *, actor: User) -> int:
    """A rep looked and the referral is fine: its flags go, and the points they held are paid.
    Returns the points released."""
    if not referral.is_flagged:
        raise NotFlagged()
    before = referral.flags
    referral.flags = ""
    referral.updated_at = utcnow()
    released = await points.release_held(
        session,
        source=points.Source("referral", referral.id),
        reason=f"Flags cleared on referral of {referral.prospect_email}",
        actor=actor,
    )
    await audit.record(
        session,
        actor=actor,
        action="referral.flags_cleared",
        target_type="referral",
        target_id=referral.id,
        summary=f"{referral.prospect_email}: flags cleared",
        before={"flags": before},
        after={"flags": ""},
    )
    await session.flush()
    return released


async def take_back(
    session: AsyncSession,
    referral: Referral,
    *,
    before: Stage,
    to: Stage,
    reason: CloseReason | None,
    actor: User | None,
) -> points.ClawedBack | None:
    """Claws back what the move undoes, or None when it undoes nothing."""
    if to == Stage.REJECTED and reason in CLAWBACK_REASONS:
        return await points.claw_back(
            session,
            keys=[stage_key(referral, stage) for stage in PIPELINE],
            reason=wording(
                N_("Your referral %(name)s was rejected (%(why)s)"),
                translated={"why"},
                name=referral.prospect_name,
                why=CLOSE_REASON_LABELS[reason.value],
            ),
            actor=actor,
        )
    if before == Stage.WON and to != Stage.WON:
        rules = await points.load_rules(session)
        days = rules.clearance_days(points.Earning.REFERRAL_WON)
        if days:
            return await points.claw_back(
                session,
                keys=[stage_key(referral, Stage.WON)],
                reason=wording(
                    N_("Your referral %(name)s is no longer won"), name=referral.prospect_name
                ),
                actor=actor,
                since=utcnow() - timedelta(days=days),
            )
    return None
