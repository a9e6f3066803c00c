"""Tiers: what a person's level gives them. A level can multiply the awards of chosen earning
sources (the multiplier is recorded on the ledger row), and a marketer can keep a person at a
floor level. A person's level is the higher of what their lifetime points reach and their
floor: spending never lowers lifetime points, so spending never lowers a level."""

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit import service as audit
from portal.errors import NotFound, PortalError
from portal.i18n import N_
from portal.people.models import User
from portal.points.models import Balance, Level
from portal.points.service.ledger import Balances
from portal.points.service.levels import LevelProgress, cached_levels, progress_for
from portal.points.service.rules import Earning

# x5 at most: a typo must not pay a hundred times over.
MAX_MULTIPLIER_PERCENT = 500
# Referral stage points are left out unless a marketer chooses them (the default).
DEFAULT_MULTIPLIED = (Earning.CHALLENGE, Earning.CONTENT)


class OwnLevelFloor(PortalError):
    status_code = 403
    message = N_("You can't set your own level. Ask another member of the program team.")


def multiplied(points: int, percent: int) -> int:
    """`points` times `percent`/100, halves rounded up: 25 at x1.1 pays 28 (27.5)."""
    return (points * percent + 50) // 100


def level_at(levels: list[Level], lifetime: int, floor: Level | None) -> Level | None:
    return progress_for(levels, lifetime, floor=floor).level


def multiplier_of(level: Level | None, earning: Earning | None) -> int | None:
    """The percent a level multiplies this source's awards by; None for no change."""
    if level is None or earning is None or level.multiplier_percent == 100:
        return None
    return level.multiplier_percent if earning.value in level.multiplied_sources else None


async def multiplier_for(session: AsyncSession, user: User, earning: Earning | None) -> int | None:
    """The multiplier a new award from `earning` gets. Without a level that multiplies this
    source (the default) a request reads nothing: the levels come from the program cache."""
    if earning is None:
        return None
    levels = await cached_levels(session)
    if not any(multiplier_of(level, earning) for level in levels):
        return None
    lifetime, floor_id = (
        await session.execute(
            select(Balance.lifetime, Balance.floor_level_id).where(Balance.user_id == user.id)
        )
    ).one()
    return multiplier_of(level_at(levels, lifetime, _level(levels, floor_id)), earning)


def _level(levels: list[Level], level_id: int | None) -> Level | None:
    return next((level for level in levels if level.id == level_id), None)


async def standing_of(session: AsyncSession, balance: Balances) -> LevelProgress:
    """The person's level (their floor counted) and how far to the next one."""
    levels = await cached_levels(session)
    return progress_for(levels, balance.lifetime, floor=_level(levels, balance.floor_level_id))


async def set_floor(
    session: AsyncSession, *, actor: User, person: User, level_id: int | None, note: str
) -> Level | None:
    """Keeps `person` at `level_id` or above (None: no floor); the note goes to the audit log.
    Only the floor column of the balance row moves: no points do."""
    if person.id == actor.id:
        raise OwnLevelFloor()
    level = None
    if level_id is not None and (level := await session.get(Level, level_id)) is None:
        raise NotFound()
    before = await session.scalar(
        select(Balance.floor_level_id).where(Balance.user_id == person.id)
    )
    await session.execute(
        update(Balance).where(Balance.user_id == person.id).values(floor_level_id=level_id)
    )
    await audit.record(
        session,
        actor=actor,
        action="points.level_floor_set" if level else "points.level_floor_removed",
        target_type="user",
        target_id=person.id,
        summary=(
            f"{person.email} kept at {level.name} or above" + (f": {note.strip()}" if note else "")
            if level
            else f"{person.email} no longer kept at a level"
        ),
        before={"level_id": before},
        after={"level_id": level_id},
    )
    return level
