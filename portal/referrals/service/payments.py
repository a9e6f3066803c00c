"""What reaching a stage pays the advocate: the stage's points, plus the bonus of the campaign
the referral was credited to, in one ledger entry per stage (so a pending stage, a clawback and
the timeline treat them as one)."""

from sqlalchemy.ext.asyncio import AsyncSession

from portal.i18n import N_
from portal.people.models import User
from portal.points import service as points
from portal.referrals.models import STAGE_LABELS, Campaign, Referral, Stage
from portal.referrals.service.config import ReferralSettings
from portal.referrals.service.review import review_reason, stage_key
from portal.wording import wording


async def pay_stages(
    session: AsyncSession,
    referral: Referral,
    referrer: User,
    stages: list[Stage],
    *,
    config: ReferralSettings,
    campaign: Campaign | None,
    actor: User | None,
) -> tuple[int, int]:
    """Awards the stages' points, and says how many of them are pending: a flagged referral's
    wait for a rep (pending review), and each stage's wait out its clearance window."""
    total = pending = 0
    for stage in stages:
        bonus = campaign.bonus_for(stage) if campaign else 0
        amount = config.points_for(stage) + bonus
        if amount <= 0:
            continue
        reason = (
            wording(
                N_(
                    "Your referral %(name)s reached %(stage)s "
                    "(with a %(bonus)s-point %(campaign)s bonus)"
                ),
                translated={"stage"},
                name=referral.prospect_name,
                stage=STAGE_LABELS[stage.value],
                bonus=bonus,
                campaign=campaign.name,
            )
            if campaign and bonus
            else wording(
                N_("Your referral %(name)s reached %(stage)s"),
                translated={"stage"},
                name=referral.prospect_name,
                stage=STAGE_LABELS[stage.value],
            )
        )
        entry = await points.award(
            session,
            referrer,
            points=amount,
            reason=reason,
            key=stage_key(referral, stage),
            source=points.Source("referral", referral.id),
            actor=actor,
            earning=points.Earning.REFERRAL_WON if stage == Stage.WON else None,
            review=review_reason(referral),
        )
        total += amount
        pending += amount if entry.is_pending else 0
    return total, pending
