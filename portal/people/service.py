"""People lookups every layer above needs: the signed-in user, an advocate by referral code, the
groups a targeting picker offers."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal.clock import utcnow
from portal.errors import NotFound
from portal.people.models import ActiveDay, Group, User, UserStatus

SEEN_EVERY = timedelta(minutes=5)
REFERRAL_CODE_LENGTH = 16  # the column's width: longer codes cannot exist


async def user_for_session(session: AsyncSession, *, user_id: int, epoch: int) -> User | None:
    """The signed-in user, if the session is still valid: active, and no password change since."""
    user = await session.scalar(
        select(User).where(User.id == user_id).options(selectinload(User.roles))
    )
    if user is None or user.status != UserStatus.ACTIVE or user.session_epoch != epoch:
        return None
    now = utcnow()
    seen = user.last_seen_at
    if seen is None or now - seen > SEEN_EVERY:
        # A new day, or the first stamp since signing in (which sets last_seen_at and
        # last_login_at alike): the day the person was active is recorded once.
        if seen is None or seen.date() != now.date() or seen == user.last_login_at:
            await _record_active_day(session, user, now)
        user.last_seen_at = now
    return user


async def _record_active_day(session: AsyncSession, user: User, now: datetime) -> None:
    """The person's row for today, once (ON CONFLICT: two tabs on one morning write one)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    await session.execute(
        insert(ActiveDay).values(day=now.date(), user_id=user.id).on_conflict_do_nothing()
    )


async def access_user(session: AsyncSession, user_id: int) -> User:
    """A person with their roles, for staff pages about them; `NotFound` if there is none."""
    user = await session.scalar(
        select(User).where(User.id == user_id).options(selectinload(User.roles))
    )
    if user is None:
        raise NotFound()
    return user


async def get_advocate_for_code(session: AsyncSession, code: str) -> User | None:
    """The active person whose personal referral link carries `code`."""
    if not code or len(code) > REFERRAL_CODE_LENGTH:
        return None
    return await session.scalar(
        select(User).where(User.referral_code == code, User.status == UserStatus.ACTIVE)
    )


async def list_groups(session: AsyncSession) -> list[Group]:
    return list(await session.scalars(select(Group).order_by(Group.name)))
