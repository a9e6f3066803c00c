"""A season's close: once it has ended, the close job makes its two badges and awards them,
exactly once however many workers run the job at the same moment. The rule for ties: everyone
placed 3rd or better gets the top 3 badge, everyone else placed 10th or better the top 10
badge; people on equal points share a place (1, 2, 2, 4), so a tie at 3rd or 10th lets
everyone who shares it in."""

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal import i18n
from portal.i18n import gettext as _
from portal.people.models import User
from portal.points.models import Badge, BadgeRule
from portal.points.season_models import Season
from portal.points.service.badges import award_badge
from portal.points.service.seasons import forget_open_seasons, season_standings
from portal.program import service as program

TOP_3, TOP_10 = 3, 10


async def due_seasons(session: AsyncSession, now: datetime) -> list[int]:
    """The seasons that have ended and are not closed yet."""
    return list(
        await session.scalars(
            select(Season.id)
            .where(Season.ends_at <= now, Season.closed_at.is_(None))
            .order_by(Season.ends_at, Season.id)
        )
    )


async def close_season(session: AsyncSession, season_id: int, now: datetime) -> int | None:
    """Closes one ended season and awards its badges; the number of badges awarded, or None
    when another worker closed it first. The conditional UPDATE is the claim: a second worker
    waits on the row until the first commits, then finds it closed and does nothing."""
    claimed = await session.execute(
        update(Season)
        .where(Season.id == season_id, Season.closed_at.is_(None), Season.ends_at <= now)
        .values(closed_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    forget_open_seasons(session)
    season = await session.get(Season, season_id, populate_existing=True)
    assert season is not None  # noqa: S101 (claimed above)
    config = await program.load_once(session)
    placed = await season_standings(
        session, season, exclude_staff=config.leaderboard_excludes_staff, through_place=TOP_10
    )
    with i18n.using(config.language_code):
        top3 = await _badge(
            session, season, BadgeRule.SEASON_TOP_3, _("%(season)s: top 3"), "trophy"
        )
        top10 = await _badge(
            session, season, BadgeRule.SEASON_TOP_10, _("%(season)s: top 10"), "medal"
        )
        season.top3_badge_id, season.top10_badge_id = top3.id, top10.id
        people = {
            user.id: user
            for user in await session.scalars(
                select(User).where(User.id.in_([row.user_id for row in placed]))
            )
        }
        for row in placed:
            note = _("Place %(place)d in %(season)s, with %(points)s points.") % {
                "place": row.rank,
                "season": season.name,
                "points": i18n.number(row.points),
            }
            badge = top3 if row.rank <= TOP_3 else top10
            await award_badge(session, user=people[row.user_id], badge=badge, note=note)
    await session.flush()
    return len(placed)


async def _badge(
    session: AsyncSession, season: Season, rule: BadgeRule, name: str, icon: str
) -> Badge:
    """The season's badge, inactive: it was won in the season and is never earned again (the
    badges page shows it to those who hold it, not as one to earn)."""
    title = name % {"season": season.name}
    if await session.scalar(select(Badge.id).where(Badge.name == title)) is not None:
        title = f"{title} ({season.id})"  # a badge someone named so already
    badge = Badge(
        name=title[:80],
        description=_("Placed in the top of the %(season)s season.") % {"season": season.name},
        rule=rule,
        icon=icon,
        is_active=False,
    )
    session.add(badge)
    await session.flush()
    return badge
