"""Badges: each awarded at most once per person, by a rule or by a marketer."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal import links
from portal.audit import service as audit
from portal.errors import NotFound
from portal.i18n import N_, _
from portal.notifications import service as notifications
from portal.people.models import User, UserStatus
from portal.points.models import Badge, BadgeRule, FeedItem, FeedKind, UserBadge
from portal.points.service.earned import note_badge
from portal.points.service.feed import add_feed_item
from portal.program import cache
from portal.wording import read, wording


async def list_badges(session: AsyncSession) -> list[Badge]:
    return list(await session.scalars(select(Badge).order_by(Badge.created_at, Badge.id)))


async def cached_badges(session: AsyncSession) -> list[Badge]:
    """The badge catalog from the program cache in a request, to read only (it is shared)."""
    return await cache.cached(session, "badges", _detached_badges)


async def _detached_badges(session: AsyncSession) -> list[Badge]:
    return cache.detached(session, await list_badges(session))


async def access_badge(session: AsyncSession, badge_id: int) -> Badge:
    badge = await session.get(Badge, badge_id)
    if badge is None:
        raise NotFound()
    return badge


async def award_badge(
    session: AsyncSession,
    *,
    user: User,
    badge: Badge,
    by: User | None = None,
    note: str = "",
    announce: bool = True,
) -> UserBadge | None:
    """Gives the badge unless the person has it already (then returns None). `announce=False`
    skips the notification and feed item when another event already told the news."""
    held = await session.get(UserBadge, (user.id, badge.id))
    if held is not None:
        return None
    awarded = UserBadge(
        user_id=user.id, badge_id=badge.id, awarded_by_id=by.id if by else None, note=note
    )
    session.add(awarded)
    await session.flush()
    note_badge(session, user.id, badge.name)
    if not announce:
        return awarded
    await notifications.notify(
        session,
        user_id=user.id,
        kind="badge_earned",
        title=wording(N_("You earned the %(badge)s badge"), badge=badge.name),
        body=note or badge.description,
        link=links.path_for("points:history"),
    )
    await add_feed_item(
        session,
        user=user,
        kind=FeedKind.BADGE,
        text=wording(N_("earned the %(badge)s badge"), badge=badge.name),
        event_key=f"badge:{badge.id}:user:{user.id}",
    )
    if by is not None:
        await audit.record(
            session,
            actor=by,
            action="points.badge_awarded",
            target_type="user",
            target_id=user.id,
            summary=f"{badge.name} badge for {user.email}",
            after={"badge": badge.name, "note": note},
        )
    return awarded


async def award_rule_badge(
    session: AsyncSession,
    user: User,
    rule: BadgeRule,
    *,
    level_id: int | None = None,
    announce: bool = True,
) -> None:
    """The program's active badge for a rule (first referral, 5 challenges, a level ...), once
    per person, when the program has one. Two events earning it at the same moment still give
    it once: the savepoint lets the loser of the race carry on without it."""
    query = select(Badge).where(Badge.rule == rule, Badge.is_active.is_(True))
    if level_id is not None:
        query = query.where(Badge.level_id == level_id)
    badge = await session.scalar(query.order_by(Badge.id).limit(1))
    if badge is None:
        return
    try:
        async with session.begin_nested():
            await award_badge(session, user=user, badge=badge, announce=announce)
    except IntegrityError:
        return


async def badges_of(session: AsyncSession, user: User) -> list[UserBadge]:
    return list(
        await session.scalars(
            select(UserBadge)
            .where(UserBadge.user_id == user.id)
            .options(selectinload(UserBadge.badge))
            .order_by(UserBadge.awarded_at.desc())
        )
    )


_HELD = UserBadge.__table__
_HELD_IDS = (
    select(_HELD.c.badge_id)
    .where(_HELD.c.user_id == bindparam("user_id"))
    .order_by(_HELD.c.awarded_at.desc())
)


async def held_badges(session: AsyncSession, user: User) -> list[Badge]:
    """The badges of `badges_of`, newest first, from the cached catalog (to read only)."""
    ids = (await session.execute(_HELD_IDS, {"user_id": user.id})).scalars().all()
    catalog = {badge.id: badge for badge in await cached_badges(session)}
    # A badge created after this request read the cache's version shows from the next one.
    return [catalog[badge_id] for badge_id in ids if badge_id in catalog]


@dataclass(frozen=True)
class FeedEntry:
    who: str
    initials: str
    kind: FeedKind
    text: str
    at: datetime


_FEED = FeedItem.__table__
_PEOPLE = User.__table__
# Plain rows, built once: Home shows it on every visit.
_COMMUNITY_FEED = (
    select(
        _FEED.c.kind,
        _FEED.c.text,
        _FEED.c.wording,
        _FEED.c.created_at,
        _PEOPLE.c.display_name,
        _PEOPLE.c.show_in_feed,
    )
    .join(_PEOPLE, _PEOPLE.c.id == _FEED.c.user_id)
    .where(_FEED.c.user_id != bindparam("viewer_id"), _PEOPLE.c.status == UserStatus.ACTIVE)
    .order_by(_FEED.c.created_at.desc(), _FEED.c.id.desc())
    .limit(bindparam("limit"))
)


async def community_feed(
    session: AsyncSession, *, viewer: User, limit: int = 10
) -> list[FeedEntry]:
    """Recent achievements of others; names only of people who allow it in their profile."""
    rows = await session.execute(_COMMUNITY_FEED, {"viewer_id": viewer.id, "limit": limit})
    entries = []
    for kind, text, worded, at, name, named in rows:
        who = name if named else _("An advocate")
        initials = "".join(part[0] for part in name.split()[:2]).upper() if named else "?"
        entries.append(FeedEntry(who, initials, kind, read(worded, text), at))
    return entries
