"""Where a referral came from: the prospect's visits through advocates' links (touches), the one
it was credited to and why (the attribution model), that visit's campaign, UTM tags and
referring site, and the answers to the campaign's extra questions."""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal.people.attribution import Touch
from portal.people.models import User
from portal.referrals.models import (
    Campaign,
    CreditRule,
    Referral,
    ReferralOrigin,
    ReferralTouch,
)


@dataclass(frozen=True)
class Visit:
    """A touch through a known advocate's link, as a referral records it."""

    advocate: User
    touch: Touch
    campaign: Campaign | None
    credited: bool


@dataclass(frozen=True)
class Origin:
    campaign: Campaign | None = None  # the credited visit's campaign, while it runs
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    referrer_host: str = ""
    answers: dict[str, str] = field(default_factory=dict)
    rule: CreditRule | None = None
    window_days: int | None = None
    visits: tuple[Visit, ...] = ()

    @property
    def is_known(self) -> bool:
        return bool(
            self.campaign
            or self.utm_source
            or self.utm_medium
            or self.utm_campaign
            or self.referrer_host
            or self.answers
            or self.rule
        )


def record_origin(session: AsyncSession, referral: Referral, origin: Origin) -> None:
    if not origin.is_known:
        return
    session.add(
        ReferralOrigin(
            referral_id=referral.id,
            campaign_id=origin.campaign.id if origin.campaign else None,
            utm_source=origin.utm_source,
            utm_medium=origin.utm_medium,
            utm_campaign=origin.utm_campaign,
            referrer_host=origin.referrer_host,
            answers=origin.answers,
            credit_rule=origin.rule,
            window_days=origin.window_days,
        )
    )
    for visit in origin.visits:
        session.add(
            ReferralTouch(
                referral_id=referral.id,
                advocate_id=visit.advocate.id,
                campaign_id=visit.campaign.id if visit.campaign else None,
                utm_source=visit.touch.utm_source,
                utm_medium=visit.touch.utm_medium,
                utm_campaign=visit.touch.utm_campaign,
                referrer_host=visit.touch.referrer_host,
                touched_at=visit.touch.at,
                credited=visit.credited,
            )
        )


async def campaign_of(session: AsyncSession, referral: Referral) -> Campaign | None:
    """The campaign a referral was credited to, whose bonuses its stages pay."""
    return await session.scalar(
        select(Campaign)
        .join(ReferralOrigin, ReferralOrigin.campaign_id == Campaign.id)
        .where(ReferralOrigin.referral_id == referral.id)
    )


async def load_origin(session: AsyncSession, referral_id: int) -> ReferralOrigin | None:
    """A referral's origin with its campaign and its touches (with their advocates and
    campaigns), for the pages that show it."""
    origin: ReferralOrigin | None = await session.scalar(
        select(ReferralOrigin)
        .options(
            selectinload(ReferralOrigin.campaign),
            selectinload(ReferralOrigin.touches).selectinload(ReferralTouch.advocate),
            selectinload(ReferralOrigin.touches).selectinload(ReferralTouch.campaign),
        )
        .where(ReferralOrigin.referral_id == referral_id)
    )
    return origin
