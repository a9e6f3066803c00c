"""Levels: named thresholds on lifetime points. Reaching one is an event, recorded once."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import events, links
from portal.i18n import N_, gettext, in_sentence
from portal.notifications import service as notifications
from portal.people.models import User
from portal.points.models import BadgeRule, FeedKind, Level, LevelReached
from portal.points.service.badges import award_rule_badge
from portal.points.service.earned import note_level
from portal.points.service.feed import add_feed_item
from portal.points.service.rules import Earning
from portal.program import cache
from portal.wording import N_plural, wording


@dataclass(frozen=True)
class LevelProgress:
    level: Level | None
    next_level: Level | None
    lifetime: int

    @property
    def points_to_next(self) -> int:
        return 0 if self.next_level is None else self.next_level.min_points - self.lifetime

    @property
    def multiplier_text(self) -> str:
        return multiplier_text(self.level)

    @property
    def percent(self) -> int:
        """How far from this level's threshold to the next one."""
        if self.next_level is None:
            return 100
        start = self.level.min_points if self.level else 0
        span = self.next_level.min_points - start
        return max(0, min(100, (self.lifetime - start) * 100 // span)) if span > 0 else 100


def multiplier_text(level: Level | None) -> str:
    """What a level multiplies, in words ("" for nothing)."""
    if level is None or level.multiplier_percent == 100:
        return ""
    sources = [in_sentence(e.label) for e in Earning if e.value in level.multiplied_sources]
    listed = (
        gettext("%(some)s and %(last)s") % {"some": ", ".join(sources[:-1]), "last": sources[-1]}
        if len(sources) > 1
        else sources[0]
    )
    return gettext("%(multiplier)s points on %(sources)s") % {
        "multiplier": level.multiplier_label,
        "sources": listed,
    }


async def list_levels(session: AsyncSession) -> list[Level]:
    return list(await session.scalars(select(Level).order_by(Level.min_points)))


async def cached_levels(session: AsyncSession) -> list[Level]:
    """The levels from the program cache in a request, to read only (they are shared)."""
    return await cache.cached(session, "levels", _detached_levels)


async def _detached_levels(session: AsyncSession) -> list[Level]:
    return cache.detached(session, await list_levels(session))


def progress_for(
    levels: list[Level], lifetime: int, *, floor: Level | None = None
) -> LevelProgress:
    """The level `lifetime` points reach, or the `floor` a marketer keeps the person at when
    that is higher, and the next one above it."""
    standing = max(lifetime, floor.min_points if floor else 0)
    reached = [level for level in levels if level.min_points <= standing]
    ahead = [level for level in levels if level.min_points > standing]
    return LevelProgress(reached[-1] if reached else None, ahead[0] if ahead else None, lifetime)


async def level_progress(session: AsyncSession, lifetime: int) -> LevelProgress:
    return progress_for(await cached_levels(session), lifetime)


async def record_levels_reached(
    session: AsyncSession, user: User, lifetime: int, *, previous: int
) -> list[Level]:
    """Levels crossed on the way from `previous` to `lifetime` points: each gets a row, a
    notification, a feed item, its level badge and a `LevelReached` event, once (a level lost
    through a negative adjustment and reached again is not news). The zero level everyone
    starts at is not an event. Usually nothing is crossed, and this is one small query."""
    crossed = list(
        await session.scalars(
            select(Level)
            .where(Level.min_points > max(previous, 0), Level.min_points <= lifetime)
            .order_by(Level.min_points)
        )
    )
    if not crossed:
        return []
    already = set(
        await session.scalars(select(LevelReached.level_id).where(LevelReached.user_id == user.id))
    )
    new_levels = [level for level in crossed if level.id not in already]
    for level in new_levels:
        session.add(LevelReached(user_id=user.id, level_id=level.id))
        await session.flush()
        note_level(session, user.id, level.name)
        await notifications.notify(
            session,
            user_id=user.id,
            kind="level_reached",
            title=wording(N_("You reached %(level)s!"), level=level.name),
            body=wording(
                N_plural(
                    "%(points)s point earned so far. %(description)s",
                    "%(points)s points earned so far. %(description)s",
                ),
                count=lifetime,
                points=lifetime,
                description=level.description,
            ),
            link=links.path_for("points:history"),
        )
        await add_feed_item(
            session,
            user=user,
            kind=FeedKind.LEVEL_UP,
            text=wording(N_("reached %(level)s"), level=level.name),
            event_key=f"level:{level.id}:user:{user.id}",
        )
        await award_rule_badge(
            session, user, BadgeRule.LEVEL_REACHED, level_id=level.id, announce=False
        )
        await events.publish(session, events.LevelReached(user_id=user.id, level_id=level.id))
    return new_levels
