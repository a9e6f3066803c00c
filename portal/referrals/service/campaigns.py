"""Campaigns (Manage → Referrals → Campaigns): a name, the days it runs, bonus points per stage
and extra questions for its landing form. An advocate's link carries one as `/r/<code>/<slug>`;
while it runs, what that link brings is credited to it."""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import zones
from portal.audit import service as audit
from portal.clock import utcnow
from portal.errors import Conflict, NotFound
from portal.i18n import N_
from portal.people.models import User
from portal.referrals.models import (
    PIPELINE,
    Campaign,
    Referral,
    ReferralClick,
    ReferralOrigin,
    Stage,
)

SLUG_LENGTH = 40
MAX_QUESTIONS = 3


class CampaignNameTaken(Conflict):
    message = N_("Another campaign already has this name: choose another.")


@dataclass(frozen=True)
class CampaignPlan:
    """What a marketer sets for a campaign."""

    name: str
    starts_on: date
    ends_on: date | None = None
    bonus_points: dict[str, int] = field(default_factory=dict)
    questions: str = ""


@dataclass(frozen=True)
class CampaignRow:
    """A campaign with what it brought, for the campaigns page."""

    campaign: Campaign
    visits: int
    referrals: int
    won: int


def program_today() -> date:
    """Today in the program's time zone: campaigns run on the program's days."""
    return utcnow().astimezone(zones.zone(zones.program_default())).date()


def slug_for(name: str) -> str:
    """The link part for a name: lower-case ASCII letters, digits and hyphens."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:SLUG_LENGTH].rstrip("-") or "campaign"


def _bonuses(plan: CampaignPlan) -> dict[str, int]:
    return {
        stage.value: plan.bonus_points[stage.value]
        for stage in PIPELINE
        if plan.bonus_points.get(stage.value, 0) > 0
    }


async def _free_slug(session: AsyncSession, name: str) -> str:
    base = slug_for(name)
    taken = set(await session.scalars(select(Campaign.slug).where(Campaign.slug.startswith(base))))
    slug, number = base, 1
    while slug in taken:
        number += 1
        suffix = f"-{number}"
        slug = base[: SLUG_LENGTH - len(suffix)] + suffix
    return slug


async def _refuse_taken_name(
    session: AsyncSession, name: str, exclude_id: int | None = None
) -> None:
    query = select(Campaign.id).where(func.lower(Campaign.name) == name.strip().lower())
    if exclude_id is not None:
        query = query.where(Campaign.id != exclude_id)
    if await session.scalar(query.limit(1)) is not None:
        raise CampaignNameTaken()


def _audit_view(campaign: Campaign) -> dict[str, object]:
    return {
        "name": campaign.name,
        "starts_on": campaign.starts_on.isoformat(),
        "ends_on": campaign.ends_on.isoformat() if campaign.ends_on else None,
        "bonus_points": dict(campaign.bonus_points),
        "questions": campaign.questions,
    }


async def create_campaign(session: AsyncSession, *, actor: User, plan: CampaignPlan) -> Campaign:
    await _refuse_taken_name(session, plan.name)
    campaign = Campaign(
        name=plan.name.strip(),
        slug=await _free_slug(session, plan.name),
        starts_on=plan.starts_on,
        ends_on=plan.ends_on,
        bonus_points=_bonuses(plan),
        questions="\n".join(line.strip() for line in plan.questions.splitlines() if line.strip()),
    )
    session.add(campaign)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="referrals.campaign_created",
        target_type="campaign",
        target_id=campaign.id,
        summary=f"Created the referral campaign “{campaign.name}”",
        after=_audit_view(campaign),
    )
    return campaign


async def update_campaign(
    session: AsyncSession, *, actor: User, campaign_id: int, plan: CampaignPlan
) -> Campaign:
    """Changes a campaign; its link (slug) stays, since links carrying it are shared."""
    campaign = await access_campaign(session, campaign_id)
    await _refuse_taken_name(session, plan.name, exclude_id=campaign.id)
    before = _audit_view(campaign)
    campaign.name = plan.name.strip()
    campaign.starts_on = plan.starts_on
    campaign.ends_on = plan.ends_on
    campaign.bonus_points = _bonuses(plan)
    campaign.questions = "\n".join(
        line.strip() for line in plan.questions.splitlines() if line.strip()
    )
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="referrals.campaign_updated",
        target_type="campaign",
        target_id=campaign.id,
        summary=f"Changed the referral campaign “{campaign.name}”",
        before=before,
        after=_audit_view(campaign),
    )
    return campaign


async def access_campaign(session: AsyncSession, campaign_id: int) -> Campaign:
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound()
    return campaign


async def running_campaign(session: AsyncSession, slug: str) -> Campaign | None:
    """The campaign a link names, while it runs; None for an unknown or ended one (the link
    still works, it just brings no campaign)."""
    if len(slug) > SLUG_LENGTH:
        return None
    campaign = await session.scalar(select(Campaign).where(Campaign.slug == slug.lower()))
    if campaign is None or not campaign.runs_on(program_today()):
        return None
    return campaign


async def list_running_campaigns(session: AsyncSession) -> list[Campaign]:
    today = program_today()
    rows = await session.scalars(
        select(Campaign)
        .where(Campaign.starts_on <= today)
        .where((Campaign.ends_on.is_(None)) | (Campaign.ends_on >= today))
        .order_by(Campaign.starts_on.desc(), Campaign.id.desc())
    )
    return list(rows)


async def list_campaigns(session: AsyncSession) -> list[CampaignRow]:
    """Every campaign, newest first, with the visits its links had and the referrals (and won
    ones) it brought."""
    campaigns = list(
        await session.scalars(
            select(Campaign).order_by(Campaign.starts_on.desc(), Campaign.id.desc())
        )
    )
    clicks = await session.execute(
        select(ReferralClick.campaign_id, func.count())
        .where(ReferralClick.campaign_id.is_not(None))
        .group_by(ReferralClick.campaign_id)
    )
    visits: dict[int | None, int] = {row[0]: row[1] for row in clicks}
    brought: dict[int | None, tuple[int, int]] = {}
    for campaign_id, total, won in await session.execute(
        select(
            ReferralOrigin.campaign_id,
            func.count(),
            func.count().filter(Referral.stage == Stage.WON),
        )
        .join(Referral, Referral.id == ReferralOrigin.referral_id)
        .where(ReferralOrigin.campaign_id.is_not(None))
        .group_by(ReferralOrigin.campaign_id)
    ):
        brought[campaign_id] = (total, won)
    return [
        CampaignRow(
            campaign=campaign,
            visits=visits.get(campaign.id, 0),
            referrals=brought.get(campaign.id, (0, 0))[0],
            won=brought.get(campaign.id, (0, 0))[1],
        )
        for campaign in campaigns
    ]
