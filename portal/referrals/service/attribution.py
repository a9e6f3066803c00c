"""Which advocate a referral from a personal link goes to. The prospect's visits through
advocates' links and share pages (touches, remembered by their browser) within the attribution
window are the candidates; the model picks the last (last click, the default) or the first
(first click). Without any, the referral goes to the advocate whose page the form was on."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import utcnow
from portal.people import service as people
from portal.people.attribution import Touch
from portal.people.models import User
from portal.referrals.models import Campaign, CreditRule
from portal.referrals.service.campaigns import running_campaign
from portal.referrals.service.config import load_settings
from portal.referrals.service.origins import Origin, Visit


@dataclass(frozen=True)
class Credit:
    advocate: User
    origin: Origin


async def _advocates(session: AsyncSession, touches: list[Touch]) -> dict[str, User]:
    found: dict[str, User] = {}
    for code in {touch.code for touch in touches}:
        advocate = await people.get_advocate_for_code(session, code)
        if advocate is not None:
            found[code] = advocate
    return found


async def _campaigns(session: AsyncSession, touches: list[Touch]) -> dict[str, Campaign]:
    slugs = {touch.campaign.lower() for touch in touches if touch.campaign}
    if not slugs:
        return {}
    rows = await session.scalars(select(Campaign).where(Campaign.slug.in_(slugs)))
    return {campaign.slug: campaign for campaign in rows}


async def _origin_of_touch(
    session: AsyncSession,
    touch: Touch,
    answers: dict[str, str],
    *,
    rule: CreditRule,
    window_days: int,
    visits: tuple[Visit, ...] = (),
) -> Origin:
    """The credited visit's campaign counts only while it runs (its bonus is the campaign's
    offer, and an ended campaign offers nothing)."""
    return Origin(
        campaign=await running_campaign(session, touch.campaign) if touch.campaign else None,
        utm_source=touch.utm_source,
        utm_medium=touch.utm_medium,
        utm_campaign=touch.utm_campaign,
        referrer_host=touch.referrer_host,
        answers=answers,
        rule=rule,
        window_days=window_days,
        visits=visits,
    )


async def credit_referral(
    session: AsyncSession,
    *,
    touches: list[Touch],
    page_advocate: User,
    page_touch: Touch,
    answers: dict[str, str] | None = None,
) -> Credit:
    """The advocate a landing-form referral goes to, with where it came from. `touches` are the
    browser's remembered visits, oldest first; `page_touch` is the visit the form is on."""
    config = await load_settings(session)
    answered = {question: answer for question, answer in (answers or {}).items() if answer}
    window = config.attribution_window_days
    since = utcnow() - timedelta(days=window)
    recent = [touch for touch in touches if touch.at >= since]
    advocates = await _advocates(session, recent)
    candidates = [touch for touch in recent if touch.code in advocates]
    if not candidates:
        origin = await _origin_of_touch(
            session, page_touch, answered, rule=CreditRule.LINK, window_days=window
        )
        return Credit(advocate=page_advocate, origin=origin)
    rule = CreditRule(config.attribution_model)
    chosen = candidates[0] if rule == CreditRule.FIRST_CLICK else candidates[-1]
    campaigns = await _campaigns(session, candidates)
    visits = tuple(
        Visit(
            advocate=advocates[touch.code],
            touch=touch,
            campaign=campaigns.get(touch.campaign.lower()),
            credited=touch is chosen,
        )
        for touch in candidates
    )
    origin = await _origin_of_touch(
        session, chosen, answered, rule=rule, window_days=window, visits=visits
    )
    return Credit(advocate=advocates[chosen.code], origin=origin)
