"""The ledger: award, spend, refund and adjust all go through `_post`, the only code that
writes `points_ledger` and `points_balances`, and the totals beside them (`record_totals`)."""

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Boolean, bindparam, case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from portal import events, links
from portal.audit import service as audit
from portal.clock import utcnow
from portal.db import UTCDateTime
from portal.errors import Conflict, PortalError
from portal.notifications import service as notifications
from portal.people.models import User
from portal.points.models import Balance, EntryKind, LedgerEntry, Level
from portal.points.service.earned import note_points
from portal.points.service.levels import record_levels_reached
from portal.points.service.totals import record_totals
from portal.program import service as program


class InsufficientPoints(Conflict):
    def __init__(self, *, needed: int, available: int) -> None:
        self.needed = needed
        self.available = available
        super().__init__(
            f"That needs {needed:,} points and the balance is {available:,}."
            if needed > available
            else "Not enough points."
        )


class IdempotencyConflict(PortalError):
    """The same key came with a different user, kind or amount: a bug in the caller."""

    status_code = 500


@dataclass(frozen=True)
class Source:
    """What caused a movement, so the ledger row can link to it."""

    type: str
    id: int


@dataclass(frozen=True)
class Balances:
    current: int
    lifetime: int


def _positive(points: int) -> int:
    if points <= 0:
        raise ValueError("points must be positive")
    return points


async def open_account(session: AsyncSession, user: User) -> None:
    """The balance row every user has from the start (created with the user)."""
    session.add(Balance(user_id=user.id, current=0, lifetime=0))
    await session.flush()


async def award(
    session: AsyncSession,
    user: User,
    *,
    points: int,
    reason: str,
    key: str,
    source: Source | None = None,
    actor: User | None = None,
) -> LedgerEntry:
    return await _post(
        session,
        user,
        EntryKind.AWARD,
        _positive(points),
        reason=reason,
        key=key,
        source=source,
        actor=actor,
        counts_toward_lifetime=True,
    )


async def spend(
    session: AsyncSession,
    user: User,
    *,
    points: int,
    reason: str,
    key: str,
    source: Source | None = None,
) -> LedgerEntry:
    return await _post(
        session,
        user,
        EntryKind.SPEND,
        -_positive(points),
        reason=reason,
        key=key,
        source=source,
        actor=None,
        counts_toward_lifetime=False,
    )


async def refund(
    session: AsyncSession,
    user: User,
    *,
    points: int,
    reason: str,
    key: str,
    source: Source | None = None,
) -> LedgerEntry:
    return await _post(
        session,
        user,
        EntryKind.REFUND,
        _positive(points),
        reason=reason,
        key=key,
        source=source,
        actor=None,
        counts_toward_lifetime=False,
    )


async def adjust(
    session: AsyncSession,
    user: User,
    *,
    points: int,
    reason: str,
    key: str,
    actor: User,
    counts_toward_lifetime: bool = False,
) -> LedgerEntry:
    """A marketer's correction, positive or negative; the audit log keeps before and after."""
    if points == 0:
        raise PortalError("An adjustment must add or remove at least one point.")
    if not reason.strip():
        raise PortalError("Say why you adjust the points: the advocate sees the reason.")
    before = await balance_of(session, user)
    entry = await _post(
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
            title=f"{points:+,} points: {reason.strip()}",
            body=f"Your balance is now {after.current:,}.",
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
    return entry


# Built once: the award path is hot, and building statements costs more than running them.
_CROSSES_A_LEVEL = (
    select(func.count())
    .where(
        Level.min_points > 0,
        Level.min_points > Balance.lifetime - bindparam("lifetime_delta_"),
        Level.min_points <= Balance.lifetime,
    )
    .scalar_subquery()
)
_CHANGE_BALANCE = (
    update(Balance)
    .where(
        Balance.user_id == bindparam("user_id_"),
        Balance.current + bindparam("delta_") >= 0,
        Balance.lifetime + bindparam("lifetime_delta_") >= 0,
    )
    .values(
        current=Balance.current + bindparam("delta_"),
        lifetime=Balance.lifetime + bindparam("lifetime_delta_"),
        last_earned_at=case(
            (bindparam("lifetime_delta_") > 0, bindparam("now_", type_=UTCDateTime())),
            else_=Balance.last_earned_at,
        ),
        first_earned_at=case(
            (
                bindparam("award_", type_=Boolean())
                & (
                    Balance.first_earned_at.is_(None)
                    | (Balance.first_earned_at > bindparam("now_", type_=UTCDateTime()))
                ),
                bindparam("now_", type_=UTCDateTime()),
            ),
            else_=Balance.first_earned_at,
        ),
    )
    .returning(Balance.current, Balance.lifetime, _CROSSES_A_LEVEL)
    .execution_options(synchronize_session=False)
)


@cache
def _insert_entry(dialect: str) -> Any:
    insert_for = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert_for(LedgerEntry)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(LedgerEntry)
    )


async def _post(
    session: AsyncSession,
    user: User,
    kind: EntryKind,
    delta: int,
    *,
    reason: str,
    key: str,
    source: Source | None,
    actor: User | None,
    counts_toward_lifetime: bool,
) -> LedgerEntry:
    """The only code that writes the ledger, the balances and the totals beside them.

    In the caller's transaction: the conditional balance UPDATE (which also says whether a
    level threshold was crossed), the ledger INSERT, the day's totals (and for an award the
    person's earned day and week/month totals), and level events only when a threshold was
    crossed. A replayed key (a retry, a double click, a
    racing job) inserts nothing: the balance change is undone and the first entry returned."""
    lifetime_delta = delta if counts_toward_lifetime else 0
    now = utcnow()
    amounts = {
        "user_id_": user.id,
        "delta_": delta,
        "lifetime_delta_": lifetime_delta,
        "now_": now,
        "award_": kind == EntryKind.AWARD,
    }
    # Conditional: guards against overdrawing and serialises writers of this balance.
    row = (await session.execute(_CHANGE_BALANCE, amounts)).one_or_none()
    if row is None:
        if (earlier := await _entry_for_key(session, key)) is not None:
            return _replayed(earlier, user, kind, delta)  # a replay, not a new spend
        available = await session.scalar(select(Balance.current).where(Balance.user_id == user.id))
        raise InsufficientPoints(needed=-delta, available=available or 0)
    current, lifetime, levels_crossed = row
    connection = await session.connection()
    entry: LedgerEntry | None = await session.scalar(
        _insert_entry(connection.dialect.name),
        [
            {
                "user_id": user.id,
                "kind": kind,
                "delta": delta,
                "counts_toward_lifetime": counts_toward_lifetime,
                "balance_after": current,
                "reason": reason[:200],
                "source_type": source.type if source else None,
                "source_id": source.id if source else None,
                "idempotency_key": key,
                "actor_id": actor.id if actor else None,
                "created_at": now,
            }
        ],
    )
    if entry is None:  # the key exists: committed earlier, or by a transaction that won a race
        undo = {**amounts, "delta_": -delta, "lifetime_delta_": -lifetime_delta}
        await session.execute(_CHANGE_BALANCE, undo)
        earlier = await _entry_for_key(session, key)
        if earlier is None:
            raise RuntimeError(f"ledger key {key} conflicted but cannot be read")
        return _replayed(earlier, user, kind, delta)
    await record_totals(
        connection,
        user_id=user.id,
        kind=kind,
        delta=delta,
        lifetime_delta=lifetime_delta,
        source_type=source.type if source else None,
        moment=now,
        zone=(await program.load_once(session)).zone,
    )
    if lifetime_delta > 0:
        note_points(session, user.id, lifetime_delta)
    if delta > 0 and kind in (EntryKind.AWARD, EntryKind.ADJUST):
        await events.publish(
            session,
            events.PointsAwarded(
                user_id=user.id,
                entry_id=entry.id,
                points=delta,
                reason=entry.reason,
                source_type=entry.source_type,
                source_id=entry.source_id,
            ),
        )
    if levels_crossed:
        await record_levels_reached(session, user, lifetime, previous=lifetime - lifetime_delta)
    return entry


async def _entry_for_key(session: AsyncSession, key: str) -> LedgerEntry | None:
    return await session.scalar(select(LedgerEntry).where(LedgerEntry.idempotency_key == key))


def _replayed(earlier: LedgerEntry, user: User, kind: EntryKind, delta: int) -> LedgerEntry:
    if (earlier.user_id, earlier.kind, earlier.delta) != (user.id, kind, delta):
        raise IdempotencyConflict(
            f"key {earlier.idempotency_key} was used for {earlier.kind} {earlier.delta} "
            f"to user {earlier.user_id}, now {kind} {delta} to user {user.id}"
        )
    return earlier


async def balance_of(session: AsyncSession, user: User) -> Balances:
    row = (
        await session.execute(
            select(Balance.current, Balance.lifetime).where(Balance.user_id == user.id)
        )
    ).one_or_none()
    return Balances(current=row[0], lifetime=row[1]) if row else Balances(0, 0)


async def history(
    session: AsyncSession, user: User, *, before_id: int | None = None, limit: int = 25
) -> list[LedgerEntry]:
    """The user's ledger, newest first; `before_id` continues a page ("load more")."""
    query = select(LedgerEntry).where(LedgerEntry.user_id == user.id)
    if before_id is not None:
        query = query.where(LedgerEntry.id < before_id)
    return list(await session.scalars(query.order_by(LedgerEntry.id.desc()).limit(limit)))


@dataclass(frozen=True)
class Mismatch:
    user_id: int
    current: int
    ledger_current: int
    lifetime: int
    ledger_lifetime: int


async def reconcile_balances(session: AsyncSession) -> list[Mismatch]:
    """Balances that disagree with their ledger. Reported, never silently fixed."""
    sums = (
        select(
            LedgerEntry.user_id.label("user_id"),
            func.sum(LedgerEntry.delta).label("current"),
            func.sum(case((LedgerEntry.counts_toward_lifetime, LedgerEntry.delta), else_=0)).label(
                "lifetime"
            ),
        )
        .group_by(LedgerEntry.user_id)
        .subquery()
    )
    rows = await session.execute(
        select(
            Balance.user_id,
            Balance.current,
            func.coalesce(sums.c.current, 0),
            Balance.lifetime,
            func.coalesce(sums.c.lifetime, 0),
        )
        .outerjoin(sums, sums.c.user_id == Balance.user_id)
        .where(
            (Balance.current != func.coalesce(sums.c.current, 0))
            | (Balance.lifetime != func.coalesce(sums.c.lifetime, 0))
        )
    )
    return [Mismatch(*row) for row in rows]
