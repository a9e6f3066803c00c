"""Signed-in sessions, kept in the database so they can be ended from the server: the cookie
carries a random token, `user_sessions` keeps its hash. A session ends when it is revoked
(sign-out, sign out everywhere, a password change or reset, a suspension), at its absolute
lifetime, or after being idle too long; staff get the shorter limits (ASVS 3.3: they sign in
again within 12 hours)."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal import events
from portal.clock import utcnow
from portal.db import READING
from portal.jobs import enqueue
from portal.people.models import (
    ACTIVE_SHARDS,
    NEVER,
    ActiveDay,
    ActiveReturns,
    DailyActives,
    Role,
    User,
    UserRole,
    UserSession,
    UserStatus,
)
from portal.tokens import hash_token, new_token

# A session's last_seen_at (and the user's) is written at most this often, not on every request.
SEEN_EVERY = timedelta(minutes=5)
# Rows of sessions that ended longer ago than this are deleted by the nightly job.
KEEP_ENDED = timedelta(days=30)


@dataclass(frozen=True)
class SessionPolicy:
    lifetime: timedelta
    idle: timedelta
    staff_lifetime: timedelta
    staff_idle: timedelta

    def limits(self, user: User) -> tuple[timedelta, timedelta]:
        """The absolute lifetime and the idle limit for this person's sessions."""
        if user.is_staff:
            return min(self.lifetime, self.staff_lifetime), min(self.idle, self.staff_idle)
        return self.lifetime, self.idle


async def start_session(
    session: AsyncSession,
    *,
    user: User,
    policy: SessionPolicy,
    device: str,
    client_key: str,
    two_factor_setup_due: bool = False,
) -> str:
    """A new session for the user; returns the token for the cookie (never stored). Signing in
    is a confirmation: sensitive actions don't ask again for a while."""
    token, token_hash = new_token()
    now = utcnow()
    lifetime, _ = policy.limits(user)
    session.add(
        UserSession(
            id=token_hash,
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
            device=device[:80],
            client_key=client_key,
            confirmed_at=now,
            two_factor_setup_due=two_factor_setup_due,
        )
    )
    await record_visit(session, user, now)
    await session.flush()
    return token


async def live_session(
    session: AsyncSession, *, token: str, policy: SessionPolicy
) -> UserSession | None:
    """The session this token opens, with its active user and their roles; None when it was
    revoked, is past its lifetime or idle limit, or its user is no longer active. Marks it
    seen (at most every few minutes)."""
    row = await session.scalar(
        select(UserSession)
        .where(UserSession.id == hash_token(token), UserSession.revoked_at.is_(None))
        .options(selectinload(UserSession.user).selectinload(User.roles))
    )
    return await still_live(session, row, policy)


async def still_live(
    session: AsyncSession, row: UserSession | None, policy: SessionPolicy
) -> UserSession | None:
    """The session, if it may still be used (see `live_session`), marked seen."""
    if row is None or row.user.status != UserStatus.ACTIVE:
        return None
    now = utcnow()
    if not _alive(row, row.user, policy, now):
        return None
    if now - row.last_seen_at > SEEN_EVERY:
        if session.info.get(READING):  # a request that only reads: a job writes it after
            enqueue(session, "mark_session_seen", session_id=row.id, job_id=f"seen:{row.id}")
        else:
            await _mark_seen(session, row, now)
    return row


async def _mark_seen(session: AsyncSession, row: UserSession, now: datetime) -> None:
    row.last_seen_at = now
    await record_visit(session, row.user, now)


async def record_visit(session: AsyncSession, user: User, now: datetime) -> None:
    """The person was here: their last-seen time, and the day, once (reports count active
    people by day; ON CONFLICT: two tabs on one morning write one row); an advocate's first
    visit of the day also counts in the day's number of active advocates."""
    user.last_seen_at = now
    await events.publish(session, events.PersonVisited(user_id=user.id, at=now))
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    day = now.date()
    first = await session.execute(
        insert(ActiveDay).values(day=day, user_id=user.id).on_conflict_do_nothing()
    )
    if first.rowcount != 1:  # type: ignore[attr-defined]
        return
    is_advocate = exists().where(UserRole.user_id == user.id, UserRole.role == Role.ADVOCATE)
    shard = literal(user.id % ACTIVE_SHARDS)
    counted = insert(DailyActives).from_select(
        ["day", "shard", "advocates"], select(literal(day), shard, literal(1)).where(is_advocate)
    )
    await session.execute(
        counted.on_conflict_do_update(
            index_elements=["day", "shard"], set_={"advocates": DailyActives.advocates + 1}
        )
    )
    since = (
        select(func.coalesce(func.max(ActiveDay.day), NEVER))
        .where(ActiveDay.user_id == user.id, ActiveDay.day < day)
        .scalar_subquery()
    )
    returned = insert(ActiveReturns).from_select(
        ["day", "since", "shard", "advocates"],
        select(literal(day), since, shard, literal(1)).where(is_advocate),
    )
    await session.execute(
        returned.on_conflict_do_update(
            index_elements=["day", "since", "shard"],
            set_={"advocates": ActiveReturns.advocates + 1},
        )
    )


async def mark_session_seen(session: AsyncSession, *, session_id: str) -> None:
    """Records that a session was used (for a request that only read)."""
    row = await session.get(UserSession, session_id, options=[selectinload(UserSession.user)])
    now = utcnow()
    if row is not None and now - row.last_seen_at > SEEN_EVERY:
        await _mark_seen(session, row, now)


def _alive(row: UserSession, user: User, policy: SessionPolicy, now: datetime) -> bool:
    lifetime, idle = policy.limits(user)
    ends = min(row.expires_at, row.created_at + lifetime, row.last_seen_at + idle)
    return now < ends


def confirmed_within(row: UserSession, period: timedelta) -> bool:
    """Whether the person proved it's them (signed in, or confirmed) within the period."""
    return utcnow() - row.confirmed_at < period


def confirm(row: UserSession) -> None:
    """The person just proved it's them again (password, and code when two-factor is on)."""
    row.confirmed_at = utcnow()


async def hold_for_two_factor(session: AsyncSession, *, user: User) -> None:
    """Holds the user's sessions at the two-factor setup page until it is on."""
    await _set_hold(session, user=user, due=True)


async def release_two_factor_hold(session: AsyncSession, *, user: User) -> None:
    await _set_hold(session, user=user, due=False)


async def _set_hold(session: AsyncSession, *, user: User, due: bool) -> None:
    await session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(two_factor_setup_due=due)
        .execution_options(synchronize_session="fetch")
    )


async def list_sessions(
    session: AsyncSession, *, user: User, policy: SessionPolicy
) -> list[UserSession]:
    """The user's live sessions, the most recently seen first."""
    rows = await session.scalars(
        select(UserSession)
        .where(
            UserSession.user_id == user.id,
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > utcnow(),
        )
        .order_by(UserSession.last_seen_at.desc(), UserSession.created_at.desc())
    )
    now = utcnow()
    return [row for row in rows if _alive(row, user, policy, now)]


async def revoke_session(session: AsyncSession, *, user: User, session_id: str) -> bool:
    """Ends one of the user's sessions; False when they have no such live session."""
    result = await session.execute(
        update(UserSession)
        .where(
            UserSession.id == session_id,
            UserSession.user_id == user.id,
            UserSession.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def revoke_sessions(session: AsyncSession, *, user: User) -> int:
    """Ends every session of the user: they sign in again everywhere."""
    result = await session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def end_session(session: AsyncSession, *, token: str) -> None:
    """Sign-out: the session of this token ends."""
    await session.execute(
        update(UserSession)
        .where(UserSession.id == hash_token(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )


async def forget_ended_sessions(session: AsyncSession) -> int:
    """Deletes sessions that expired or were revoked more than `KEEP_ENDED` ago; idle ones are
    at most one absolute lifetime behind and go when that has passed too."""
    cutoff = utcnow() - KEEP_ENDED
    result = await session.execute(
        delete(UserSession).where(
            or_(UserSession.expires_at < cutoff, UserSession.revoked_at < cutoff)
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("CrOS", "ChromeOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def describe_device(user_agent: str) -> str:
    """A short, human summary of a User-Agent ("Firefox on Linux"); the raw string is not kept."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), "")
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or (re.split(r"[/ ]", user_agent.strip(), maxsplit=1)[0][:40])
