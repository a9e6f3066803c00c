"""What marketers change: levels, custom badges, group boards, one person's points, and one
advocate's account view."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import links
from portal.audit import service as audit
from portal.errors import Conflict, NotFound, PortalError
from portal.i18n import N_, gettext
from portal.icons import BADGE_ICONS, DEFAULT_BADGE_ICON
from portal.notifications import service as notifications
from portal.people.models import Group, GroupMember, User
from portal.points.models import (
    Badge,
    BadgeRule,
    EntryKind,
    LedgerEntry,
    Level,
    UserBadge,
)
from portal.points.service.badges import badges_of, cached_badges
from portal.points.service.ledger import Balances, Posting, balance_of, post_entry
from portal.points.service.levels import LevelProgress
from portal.points.service.rules import Earning
from portal.points.service.statement import Waiting, history, pending_entries, waiting_of
from portal.points.service.tiers import (
    DEFAULT_MULTIPLIED,
    MAX_MULTIPLIER_PERCENT,
    standing_of,
)
from portal.wording import N_plural, wording

log = logging.getLogger("portal.points")


class InvalidLevel(PortalError):
    status_code = 422


class OwnPointsAdjustment(PortalError):
    status_code = 403
    message = N_("You can't adjust your own points. Ask another member of the program team.")


async def adjust(
    session: AsyncSession,
    user: User,
    *,
    points: int,
    reason: str,
    key: str,
    actor: User,
    counts_toward_lifetime: bool = False,
) -> Posting:
    """A marketer's correction, positive or negative; the audit log keeps before and after."""
    if points == 0:
        raise PortalError(N_("An adjustment must add or remove at least one point."))
    if not reason.strip():
        raise PortalError(N_("Say why you adjust the points: the advocate sees the reason."))
    before = await balance_of(session, user)
    posting = await post_entry(
        session,
        user,
        EntryKind.ADJUST,
        points,
        reason=reason.strip(),
        key=key,
        source=None,
        actor=actor,
        counts_toward_lifetime=counts_toward_lifetime,
    )
    after = await balance_of(session, user)
    if after != before:
        await notifications.notify(
            session,
            user_id=user.id,
            kind="points_adjusted",
            title=wording(
                N_plural(
                    "%(sign)s%(points)s point: %(reason)s", "%(sign)s%(points)s points: %(reason)s"
                ),
                count=abs(points),
                sign="+" if points > 0 else "-",
                points=abs(points),
                reason=reason.strip(),
            ),
            body=wording(N_("Your balance is now %(balance)s."), balance=after.current),
            link=links.path_for("points:history"),
        )
        await audit.record(
            session,
            actor=actor,
            action="points.adjusted",
            target_type="user",
            target_id=user.id,
            summary=f"{points:+,} points for {user.email}: {reason.strip()}",
            before={"current": before.current, "lifetime": before.lifetime},
            after={"current": after.current, "lifetime": after.lifetime},
        )
    return posting


async def adjust_points(
    session: AsyncSession,
    *,
    actor: User,
    person: User,
    points: int,
    reason: str,
    key: str,
    counts_toward_lifetime: bool,
) -> Posting:
    """A staff member's adjustment of someone else's points (in the audit log, by the ledger).
    Nobody adjusts their own: another staff member must. A refusal rolls the request back, so
    the attempt goes to the application log."""
    if person.id == actor.id:
        log.warning("user %s tried to adjust their own points by %+d", actor.id, points)
        raise OwnPointsAdjustment()
    return await adjust(
        session,
        person,
        points=points,
        reason=reason,
        key=key,
        actor=actor,
        counts_toward_lifetime=counts_toward_lifetime,
    )


def _multiplies(sources: Iterable[Earning]) -> str:
    return ",".join(e.value for e in Earning if e in set(sources))


def _level_state(level: Level) -> dict[str, object]:
    return {
        "name": level.name,
        "min_points": level.min_points,
        "multiplier_percent": level.multiplier_percent,
        "multiplies": level.multiplies,
    }


async def create_level(
    session: AsyncSession,
    *,
    actor: User,
    name: str,
    min_points: int,
    description: str = "",
    multiplier_percent: int = 100,
    multiplies: Iterable[Earning] = DEFAULT_MULTIPLIED,
) -> Level:
    await _check_level(
        session, name=name, min_points=min_points, level_id=None, percent=multiplier_percent
    )
    level = Level(
        name=name.strip(),
        min_points=min_points,
        description=description.strip(),
        multiplier_percent=multiplier_percent,
        multiplies=_multiplies(multiplies),
    )
    session.add(level)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="points.level_created",
        target_type="level",
        target_id=level.id,
        summary=f"Level {level.name} at {min_points:,} points",
        after=_level_state(level),
    )
    return level


async def update_level(
    session: AsyncSession,
    *,
    actor: User,
    level_id: int,
    name: str,
    min_points: int,
    description: str,
    multiplier_percent: int = 100,
    multiplies: Iterable[Earning] = DEFAULT_MULTIPLIED,
) -> Level:
    """Changes a level; a new multiplier applies to awards from now on (paid rows keep
    theirs)."""
    level = await session.get(Level, level_id)
    if level is None:
        raise NotFound()
    await _check_level(
        session, name=name, min_points=min_points, level_id=level.id, percent=multiplier_percent
    )
    before = _level_state(level)
    level.name, level.min_points, level.description = name.strip(), min_points, description.strip()
    level.multiplier_percent, level.multiplies = multiplier_percent, _multiplies(multiplies)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="points.level_changed",
        target_type="level",
        target_id=level.id,
        summary=f"Level {level.name} at {min_points:,} points, {level.multiplier_label}",
        before=before,
        after=_level_state(level),
    )
    return level


async def delete_level(session: AsyncSession, *, actor: User, level_id: int) -> None:
    level = await session.get(Level, level_id)
    if level is None:
        raise NotFound()
    if await session.scalar(select(func.count()).select_from(Level)) == 1:
        raise Conflict(N_("Keep at least one level."))
    await audit.record(
        session,
        actor=actor,
        action="points.level_deleted",
        target_type="level",
        target_id=level.id,
        summary=f"Deleted level {level.name}",
        before={"name": level.name, "min_points": level.min_points},
    )
    await session.delete(level)
    await session.flush()


async def _check_level(
    session: AsyncSession, *, name: str, min_points: int, level_id: int | None, percent: int
) -> None:
    if not name.strip():
        raise InvalidLevel(N_("Give the level a name."))
    if min_points < 0:
        raise InvalidLevel(N_("The threshold can't be negative."))
    if not 100 <= percent <= MAX_MULTIPLIER_PERCENT:
        raise InvalidLevel(
            gettext("A multiplier goes from 1 to %(max)s.") % {"max": MAX_MULTIPLIER_PERCENT // 100}
        )
    clash = await session.scalar(
        select(Level).where(
            (func.lower(Level.name) == name.strip().lower()) | (Level.min_points == min_points),
            Level.id != (level_id or 0),
        )
    )
    if clash is not None:
        raise InvalidLevel(
            f"The level {clash.name} already uses "
            + ("that name." if clash.name.lower() == name.strip().lower() else "that threshold.")
        )


async def create_badge(
    session: AsyncSession, *, actor: User, name: str, description: str, icon: str
) -> Badge:
    if not name.strip():
        raise InvalidLevel(N_("Give the badge a name."))
    if await session.scalar(select(Badge.id).where(func.lower(Badge.name) == name.strip().lower())):
        raise InvalidLevel(N_("A badge with that name exists already."))
    badge = Badge(
        name=name.strip(),
        description=description.strip(),
        icon=icon if icon in BADGE_ICONS else DEFAULT_BADGE_ICON,
        rule=BadgeRule.CUSTOM,
    )
    session.add(badge)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="points.badge_created",
        target_type="badge",
        target_id=badge.id,
        summary=f"Custom badge {badge.name}",
    )
    return badge


async def set_group_board_hidden(
    session: AsyncSession, *, actor: User, group_id: int, hidden: bool
) -> Group:
    group = await session.get(Group, group_id)
    if group is None:
        raise NotFound()
    before = group.is_leaderboard_hidden
    group.is_leaderboard_hidden = hidden
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="points.group_board_hidden" if hidden else "points.group_board_shown",
        target_type="group",
        target_id=group.id,
        summary=f"Leaderboard of {group.name} {'hidden' if hidden else 'shown'}",
        before={"hidden": before},
        after={"hidden": hidden},
    )
    return group


async def board_groups(session: AsyncSession, *, viewer: User, staff_view: bool) -> list[Group]:
    """The groups whose boards the viewer may open: their own visible groups; staff see all."""
    query = select(Group).order_by(Group.name)
    if not staff_view:
        query = query.where(
            ~Group.is_leaderboard_hidden,
            Group.id.in_(select(GroupMember.group_id).where(GroupMember.user_id == viewer.id)),
        )
    return list(await session.scalars(query))


@dataclass(frozen=True)
class AccountSummary:
    balance: Balances
    progress: LevelProgress
    badges: list[UserBadge]
    recent: list[LedgerEntry]
    custom_badges: list[Badge]
    pending: list[LedgerEntry]  # awards waiting to be paid, for staff to release or cancel
    waiting: Waiting


async def account_summary(session: AsyncSession, user: User, *, recent: int = 5) -> AccountSummary:
    """A person's points, badges and level (a floor level counted)."""
    balance = await balance_of(session, user)
    held = await badges_of(session, user)
    held_ids = {b.badge_id for b in held}
    return AccountSummary(
        balance=balance,
        progress=await standing_of(session, balance),
        badges=held,
        recent=await history(session, user, limit=recent),
        custom_badges=[
            b
            for b in await cached_badges(session)
            if b.rule == BadgeRule.CUSTOM and b.is_active and b.id not in held_ids
        ],
        pending=await pending_entries(session, user),
        waiting=await waiting_of(session, user),
    )
