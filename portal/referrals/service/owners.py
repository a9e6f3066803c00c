"""The sales side of a referral: who owns it, its deal value, internal notes, and the daily
reminder of referrals that have gone quiet."""

from collections.abc import Collection
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal.audit import service as audit
from portal.clock import utcnow
from portal.i18n import N_
from portal.notifications import service as notifications
from portal.outbox.models import EmailCategory
from portal.people.models import Role, User
from portal.program import service as program
from portal.referrals.models import (
    STAGE_LABELS,
    Referral,
    ReferralNote,
)
from portal.referrals.service.config import load_settings
from portal.referrals.service.pipeline import NotASalesRep, tell_owner
from portal.referrals.service.queries import OPEN_STAGES
from portal.wording import N_plural, wording


async def assign_referral(
    session: AsyncSession,
    referral: Referral,
    *,
    owner: User | None,
    actor: User | None,
) -> Referral:
    """Gives the referral (loaded with its owner) to a rep, or back to nobody. `owner` comes with
    its roles loaded."""
    if owner is not None and not owner.has_role(Role.SALES, Role.ADMIN):
        raise NotASalesRep()
    before = referral.owner
    if (before.id if before else None) == (owner.id if owner else None):
        return referral
    referral.owner_id = owner.id if owner else None
    referral.owner = owner
    referral.updated_at = utcnow()
    await audit.record(
        session,
        actor=actor,
        action="referral.assigned",
        target_type="referral",
        target_id=referral.id,
        summary=f"{referral.prospect_label}: owner "
        f"{before.email if before else 'nobody'} → {owner.email if owner else 'nobody'}",
        before={"owner": before.email if before else None},
        after={"owner": owner.email if owner else None},
    )
    if owner is not None and (actor is None or owner.id != actor.id):
        await tell_owner(session, referral, owner=owner)
    await session.flush()
    return referral


async def set_deal_value(
    session: AsyncSession, referral: Referral, *, value: int | None, actor: User | None
) -> Referral:
    before = referral.deal_value
    if before == value:
        return referral
    referral.deal_value = value
    await audit.record(
        session,
        actor=actor,
        action="referral.deal_value",
        target_type="referral",
        target_id=referral.id,
        summary=f"{referral.prospect_label}: deal value {before} → {value}",
        before={"deal_value": before},
        after={"deal_value": value},
    )
    await session.flush()
    return referral


async def add_note(
    session: AsyncSession, referral: Referral, *, author: User, body: str
) -> ReferralNote:
    note = ReferralNote(referral_id=referral.id, author_id=author.id, body=body.strip())
    session.add(note)
    await session.flush()
    return note


async def remind_stale_referrals(
    session: AsyncSession, *, send_hour_zones: Collection[str] | None = None
) -> int:
    """Reminds each owner of their open referrals that saw no change for the configured days,
    in the owner's morning (with `send_hour_zones`, the hourly job's: only owners whose clock
    shows the send hour): once per quiet spell (a change starts a new one), each referral
    claimed first, so running it again or on a second worker sends nothing twice."""
    config = await load_settings(session)
    now = utcnow()
    cutoff = now - timedelta(days=config.stale_after_days)
    not_reminded = or_(Referral.reminded_at.is_(None), Referral.reminded_at < Referral.updated_at)
    query = (
        select(Referral)
        .join(User, User.id == Referral.owner_id)
        .where(Referral.stage.in_(OPEN_STAGES), Referral.updated_at < cutoff, not_reminded)
        .options(selectinload(Referral.owner))
        .order_by(Referral.id)
    )
    stale = list(await session.scalars(await program.in_send_hour(session, query, send_hour_zones)))
    reminded = 0
    for referral in stale:
        owner = referral.owner
        claimed = await session.execute(
            update(Referral)
            .where(Referral.id == referral.id, not_reminded)
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        )
        if owner is None or claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another worker reminded this one
        reminded += 1
        quiet_days = (now - referral.updated_at).days
        await notifications.tell(
            session,
            owner,
            kind="referral_stale",
            title=wording(
                N_plural("%(name)s has waited %(days)s day", "%(name)s has waited %(days)s days"),
                count=quiet_days,
                name=referral.prospect_name,
                days=quiet_days,
            ),
            body=wording(
                N_("Still at %(stage)s. Move it on, or close it with a reason."),
                translated={"stage"},
                stage=STAGE_LABELS[referral.stage],
            ),
            route="pipeline:detail",
            params={"referral_id": referral.id},
            category=EmailCategory.REMINDERS,
            email_context={
                "prospect": referral.prospect_name,
                "stage": referral.stage_label,
                "days": quiet_days,
            },
        )
    await session.flush()
    return reminded
