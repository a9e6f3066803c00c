"""Where a referral came from: the touch it is credited to (its campaign, UTM tags and the site
the visitor came from) and the answers to the campaign's extra questions."""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal.people.attribution import Touch
from portal.referrals.models import Campaign, Referral, ReferralOrigin
from portal.referrals.service.campaigns import running_campaign


@dataclass(frozen=True)
class Origin:
    campaign: Campaign | None = None
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    referrer_host: str = ""
    answers: dict[str, str] = field(default_factory=dict)

    @property
    def is_known(self) -> bool:
        return bool(
            self.campaign
            or self.utm_source
            or self.utm_medium
            or self.utm_campaign
            or self.referrer_host
            or self.answers
        )


async def origin_of(
    session: AsyncSession, touch: Touch | None, *, answers: dict[str, str] | None = None
) -> Origin:
    """The origin a touch gives a referral; its campaign counts only while it runs."""
    answered = {question: answer for question, answer in (answers or {}).items() if answer}
    if touch is None:
        return Origin(answers=answered)
    return Origin(
        campaign=await running_campaign(session, touch.campaign) if touch.campaign else None,
        utm_source=touch.utm_source,
        utm_medium=touch.utm_medium,
        utm_campaign=touch.utm_campaign,
        referrer_host=touch.referrer_host,
        answers=answered,
    )


def record_origin(session: AsyncSession, referral: Referral, origin: Origin) -> None:
    if origin.is_known:
        session.add(
            ReferralOrigin(
                referral_id=referral.id,
                campaign_id=origin.campaign.id if origin.campaign else None,
                utm_source=origin.utm_source,
                utm_medium=origin.utm_medium,
                utm_campaign=origin.utm_campaign,
                referrer_host=origin.referrer_host,
                answers=origin.answers,
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
    """A referral's origin with its campaign, for the pages that show it."""
    origin: ReferralOrigin | None = await session.scalar(
        select(ReferralOrigin)
        .options(selectinload(ReferralOrigin.campaign))
        .where(ReferralOrigin.referral_id == referral_id)
    )
    return origin
