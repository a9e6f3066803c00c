"""What a CRM needs from referrals: its own stage names mapped to portal stages, finding a
referral by its CRM id, and setting that id. Moves still go through `pipeline.move_referral`."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal.audit import service as audit
from portal.errors import Conflict, NotFound, PortalError
from portal.i18n import gettext
from portal.people.models import User
from portal.referrals.models import CrmStageName, Referral, Stage
from portal.referrals.service.pipeline import ExternalIdTaken


class UnknownStage(PortalError):
    status_code = 422

    def __init__(self, name: str) -> None:
        super().__init__(
            f"“{name}” is neither a portal stage ({', '.join(Stage)}) nor a CRM stage name "
            "mapped under Manage → Referrals."
        )


class StageNameTaken(Conflict):
    def __init__(self, name: str) -> None:
        super().__init__(
            gettext("“%(name)s” is already mapped. Remove it first to map it elsewhere.")
            % {"name": name}
        )


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


async def list_stage_names(session: AsyncSession) -> list[CrmStageName]:
    rows = await session.scalars(select(CrmStageName).order_by(CrmStageName.key))
    return list(rows)


async def add_stage_name(
    session: AsyncSession, *, actor: User, name: str, stage: Stage
) -> CrmStageName:
    mapping = CrmStageName(name=" ".join(name.split()), key=_key(name), stage=stage)
    try:
        async with session.begin_nested():
            session.add(mapping)
            await session.flush()
    except IntegrityError as error:
        raise StageNameTaken(mapping.name) from error
    await audit.record(
        session,
        actor=actor,
        action="referral.crm_stage_mapped",
        target_type="crm_stage_name",
        target_id=mapping.id,
        summary=f"CRM stage “{mapping.name}” → {stage.label}",
    )
    return mapping


async def remove_stage_name(session: AsyncSession, *, actor: User, mapping_id: int) -> None:
    mapping = await session.get(CrmStageName, mapping_id)
    if mapping is None:
        raise NotFound()
    await session.delete(mapping)
    await audit.record(
        session,
        actor=actor,
        action="referral.crm_stage_unmapped",
        target_type="crm_stage_name",
        target_id=mapping_id,
        summary=f"CRM stage “{mapping.name}” no longer maps to {Stage(mapping.stage).label}",
    )
    await session.flush()


async def stage_named(session: AsyncSession, name: str) -> Stage:
    """The portal stage a name stands for: a portal stage's own value, or a mapped CRM name."""
    key = _key(name)
    if key in set(Stage):
        return Stage(key)
    mapped = await session.scalar(select(CrmStageName.stage).where(CrmStageName.key == key))
    if mapped is None:
        raise UnknownStage(name)
    return Stage(mapped)


async def access_referral_by_external_id(session: AsyncSession, external_id: str) -> Referral:
    referral = await session.scalar(
        select(Referral)
        .where(Referral.external_id == external_id)
        .options(selectinload(Referral.referrer), selectinload(Referral.owner))
    )
    if referral is None:
        raise NotFound(gettext("No referral has the CRM id “%(id)s”.") % {"id": external_id})
    return referral


async def set_external_id(
    session: AsyncSession, referral: Referral, *, external_id: str | None, actor: User | None
) -> Referral:
    before = referral.external_id
    if before == external_id:
        return referral
    referral.external_id = external_id
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as error:
        referral.external_id = before
        raise ExternalIdTaken(external_id or "") from error
    await audit.record(
        session,
        actor=actor,
        action="referral.external_id",
        target_type="referral",
        target_id=referral.id,
        summary=f"{referral.prospect_label}: CRM id {before} → {external_id}",
        before={"external_id": before},
        after={"external_id": external_id},
    )
    return referral


async def list_referrals_after(
    session: AsyncSession,
    *,
    after_id: int,
    limit: int,
    stage: Stage | None = None,
    owner_id: int | None = None,
    referrer_id: int | None = None,
    updated_since: datetime | None = None,
) -> list[Referral]:
    """A page of referrals in id order after `after_id` (a cursor that stays right while rows are
    added or moved), filtered as a CRM sync asks."""
    query = select(Referral).where(Referral.id > after_id)
    if stage is not None:
        query = query.where(Referral.stage == stage)
    if owner_id is not None:
        query = query.where(Referral.owner_id == owner_id)
    if referrer_id is not None:
        query = query.where(Referral.referrer_id == referrer_id)
    if updated_since is not None:
        query = query.where(Referral.updated_at >= updated_since)
    rows = await session.scalars(
        query.options(selectinload(Referral.referrer), selectinload(Referral.owner))
        .order_by(Referral.id)
        .limit(limit)
    )
    return list(rows)
