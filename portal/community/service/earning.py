"""Points for taking part, through the points service (each with its idempotency key), within
the community's daily cap. The cap is a conditional update of the person's row for the day, so
concurrent reactions can never pass it on either engine; an award that would pass it is not
paid."""

from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import utcnow
from portal.community.models import DailyPoints
from portal.community.settings import CACHE_KEY, CommunitySettings, load_settings
from portal.people.models import User
from portal.points import service as points
from portal.wording import Wording

SOURCE_TYPE = "community_post"  # the ledger links the post (the points history opens it)


async def settings_once(session: AsyncSession) -> CommunitySettings:
    if CACHE_KEY not in session.info:
        session.info[CACHE_KEY] = await load_settings(session)
    settings: CommunitySettings = session.info[CACHE_KEY]
    return settings


def short(title: str) -> str:
    """A title short enough for a ledger reason or a feed item."""
    return title if len(title) <= 80 else title[:79] + "…"


def _insert_for(dialect: str) -> Any:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def _take_from_cap(session: AsyncSession, user: User, amount: int, cap: int) -> bool:
    day = utcnow().date()
    insert = _insert_for((await session.connection()).dialect.name)
    await session.execute(
        insert(DailyPoints)
        .values(user_id=user.id, day=day, points=0)
        .on_conflict_do_nothing(index_elements=["user_id", "day"])
    )
    taken = await session.execute(
        update(DailyPoints)
        .where(
            DailyPoints.user_id == user.id,
            DailyPoints.day == day,
            DailyPoints.points + amount <= cap,
        )
        .values(points=DailyPoints.points + amount)
        .execution_options(synchronize_session=False)
    )
    return bool(taken.rowcount)  # type: ignore[attr-defined]


async def _give_back(session: AsyncSession, user: User, amount: int) -> None:
    await session.execute(
        update(DailyPoints)
        .where(DailyPoints.user_id == user.id, DailyPoints.day == utcnow().date())
        .values(points=DailyPoints.points - amount)
        .execution_options(synchronize_session=False)
    )


async def earn(
    session: AsyncSession, *, user: User, amount: int, reason: str | Wording, key: str, post_id: int
) -> bool:
    """Pays `amount` for a post (once per key); False when nothing was paid (no points set,
    the day's cap reached, or the key paid before)."""
    if amount <= 0:
        return False
    cap = (await settings_once(session)).daily_cap
    if cap and not await _take_from_cap(session, user, amount, cap):
        return False
    posting = await points.post_award(
        session,
        user,
        points=amount,
        reason=reason,
        key=key,
        source=points.Source(SOURCE_TYPE, post_id),
    )
    if posting.replayed and cap:
        await _give_back(session, user, amount)
    return not posting.replayed
