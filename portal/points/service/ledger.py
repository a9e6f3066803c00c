"""The ledger: every movement goes through `post_entry` (a posted row) or `hold_entry` (a
pending one), the only code that writes `points_ledger` and `points_balances`, and the totals
beside them (`record_totals`). Spend and refund live here; adjustments in `manage`; awards,
the settling of pending entries and clawbacks in `earning`."""

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Boolean, bindparam, case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from portal import events
from portal.clock import utcnow
from portal.db import UTCDateTime
from portal.errors import Conflict, PortalError
from portal.people.models import User
from portal.points.models import Balance, EntryKind, EntryState, LedgerEntry, Level
from portal.points.service.earned import note_points
from portal.points.service.holds import Hold
from portal.points.service.levels import record_levels_reached
from portal.points.service.seasons import note_season_points
from portal.points.service.streaks import Streak, note_award
from portal.points.service.totals import record_totals
from portal.program import service as program
from portal.wording import Wording, in_english


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
class Posting:
    """A movement of points: its entry, what clawbacks still owe after it (the award path takes
    it), and whether its key was used before (a replay: the first entry comes back and nothing
    moves; an integration answers a replay differently)."""

    entry: LedgerEntry
    owed: int
    replayed: bool = False


@dataclass(frozen=True)
class Balances:
    current: int
    lifetime: int
    floor_level_id: int | None = None  # the level a marketer keeps the person at, if any
    streak: Streak = field(default_factory=Streak)


def positive(points: int) -> int:
    if points <= 0:
        raise ValueError("points must be positive")
    return points


async def open_account(session: AsyncSession, user: User) -> None:
    """The balance row every user has from the start (created with the user)."""
    session.add(Balance(user_id=user.id, current=0, lifetime=0))
    await session.flush()


async def spend(
    session: AsyncSession,
    user: User,
    *,
    points: int,
    reason: str | Wording,
    key: str,
    source: Source | None = None,
) -> LedgerEntry:
    posted = await post_entry(
        session,
        user,
        EntryKind.SPEND,
        -positive(points),
        reason=reason,
        key=key,
        source=source,
        actor=None,
        counts_toward_lifetime=False,
    )
    return posted.entry


async def refund(
    session: AsyncSession,
    user: User,
    *,
    points: int,
    reason: str | Wording,
    key: str,
    source: Source | None = None,
) -> LedgerEntry:
    posted = await post_entry(
        session,
        user,
        EntryKind.REFUND,
        positive(points),
        reason=reason,
        key=key,
        source=source,
        actor=None,
        counts_toward_lifetime=False,
    )
    return posted.entry


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
_NOW = bindparam("now_", type_=UTCDateTime())
# Returned by the award's UPDATE: a new week's award advances the streak without a read.
_STREAK = (
    Balance.streak_week,
    Balance.streak_weeks,
    Balance.best_streak_weeks,
    Balance.streak_freezes,
)
_EARNS = bindparam("lifetime_delta_") > 0
_CHANGE_BALANCE = (
    update(Balance)
    .where(
        Balance.user_id == bindparam("user_id_"),
        Balance.current + bindparam("delta_") >= 0,
        Balance.lifetime + bindparam("lifetime_delta_") >= 0,
        Balance.owed + bindparam("owed_delta_") >= 0,
    )
    .values(
        current=Balance.current + bindparam("delta_"),
        lifetime=Balance.lifetime + bindparam("lifetime_delta_"),
        owed=Balance.owed + bindparam("owed_delta_"),
        last_earned_at=case((_EARNS, _NOW), else_=Balance.last_earned_at),
        last_active_at=case(
            (_EARNS & (Balance.last_active_at.is_(None) | (Balance.last_active_at < _NOW)), _NOW),
            else_=Balance.last_active_at,
        ),
        first_earned_at=case(
            (
                bindparam("award_", type_=Boolean())
                & (Balance.first_earned_at.is_(None) | (Balance.first_earned_at > _NOW)),
                _NOW,
            ),
            else_=Balance.first_earned_at,
        ),
    )
    .returning(Balance.current, Balance.lifetime, Balance.owed, _CROSSES_A_LEVEL, *_STREAK)
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


async def post_entry(
    session: AsyncSession,
    user: User,
    kind: EntryKind,
    delta: int,
    *,
    reason: str | Wording,
    key: str,
    source: Source | None,
    actor: User | None,
    counts_toward_lifetime: bool,
    original: LedgerEntry | None = None,
    owed_delta: int = 0,
    multiplier: int | None = None,
) -> Posting:
    """Writes a posted row: the only code that moves the balances and the totals beside them.

    In the caller's transaction: the conditional balance UPDATE (which also says whether a
    level threshold was crossed and what is owed), the ledger INSERT, the day's totals (and for
    an award the person's earned day and week/month totals), and level events only when a
    threshold was crossed. A replayed key (a retry, a double click, a racing job) inserts
    nothing: the balance change is undone and the first entry returned. `multiplier` is the
    level's percent that `delta` was multiplied by, recorded on the row."""
    lifetime_delta = delta if counts_toward_lifetime else 0
    now = utcnow()
    amounts = {
        "user_id_": user.id,
        "delta_": delta,
        "lifetime_delta_": lifetime_delta,
        "owed_delta_": owed_delta,
        "now_": now,
        "award_": kind == EntryKind.AWARD,
    }
    # Conditional: guards against overdrawing and serialises writers of this balance.
    row = (await session.execute(_CHANGE_BALANCE, amounts)).one_or_none()
    if row is None:
        if (earlier := await entry_for_key(session, key)) is not None:
            return Posting(
                _replayed(earlier, user, kind, delta, multiplier), 0, replayed=True
            )  # not a new spend
        available = await session.scalar(select(Balance.current).where(Balance.user_id == user.id))
        raise InsufficientPoints(needed=-delta, available=available or 0)
    current, lifetime, owed, levels_crossed = row[:4]
    entry = await _insert_row(
        session,
        _row(user, kind, delta, reason, key, source, actor, original),
        counts_toward_lifetime=counts_toward_lifetime,
        balance_after=current,
        created_at=now,
        multiplier_percent=multiplier,
    )
    if entry is None:  # the key exists: committed earlier, or by a transaction that won a race
        undo = {**amounts, "delta_": -delta, "lifetime_delta_": -lifetime_delta}
        await session.execute(_CHANGE_BALANCE, {**undo, "owed_delta_": -owed_delta})
        return Posting(
            _replayed(await _existing(session, key), user, kind, delta, multiplier),
            0,
            replayed=True,
        )
    await record_totals(
        await session.connection(),
        user_id=user.id,
        kind=kind,
        delta=delta,
        lifetime_delta=lifetime_delta,
        source_type=source.type if source else None,
        moment=now,
        zone=(config := await program.load_once(session)).zone,
    )
    if kind == EntryKind.AWARD:
        await note_award(
            session,
            user,
            Streak(*row[4:]),
            moment=now,
            program_zone=config.zone_name,
        )
    if lifetime_delta > 0:
        note_points(session, user.id, lifetime_delta)
    if lifetime_delta:
        await note_season_points(session, user.id, lifetime_delta, now)
    if delta > 0 and kind in (EntryKind.AWARD, EntryKind.ADJUST):
        await events.publish(
            session,
            events.PointsAwarded(
                user_id=user.id,
                entry_id=entry.id,
                points=delta,
                reason=entry.reason_source,  # in English: the webhooks' payload
                source_type=entry.source_type,
                source_id=entry.source_id,
            ),
        )
    if levels_crossed:
        await record_levels_reached(session, user, lifetime, previous=lifetime - lifetime_delta)
    return Posting(entry, owed)


async def hold_entry(
    session: AsyncSession,
    user: User,
    kind: EntryKind,
    delta: int,
    *,
    reason: str | Wording,
    key: str,
    source: Source | None,
    actor: User | None,
    hold: Hold,
    original: LedgerEntry | None = None,
    multiplier: int | None = None,
) -> LedgerEntry:
    """Writes a pending row: it moves no balance and no total. A pending `reverse` row (what a
    clawback could not take) adds its amount to what the person owes, in the same UPDATE."""
    owes = -delta if kind == EntryKind.REVERSE else 0
    now = utcnow()
    amounts: dict[str, Any] = {"user_id_": user.id, "delta_": 0, "lifetime_delta_": 0}
    amounts |= {"owed_delta_": owes, "now_": now, "award_": False}
    current = (await session.execute(_CHANGE_BALANCE, amounts)).one()[0]
    entry = await _insert_row(
        session,
        _row(user, kind, delta, reason, key, source, actor, original),
        counts_toward_lifetime=kind == EntryKind.AWARD,
        balance_after=current,
        created_at=now,
        state=EntryState.PENDING,
        pending_until=hold.until,
        hold_reason=hold.reason[:200] if hold.reason else None,
        multiplier_percent=multiplier,
    )
    if entry is None:
        await session.execute(_CHANGE_BALANCE, {**amounts, "owed_delta_": -owes})
        return _replayed(await _existing(session, key), user, kind, delta, multiplier)
    return entry


def _row(
    user: User,
    kind: EntryKind,
    delta: int,
    reason: str | Wording,
    key: str,
    source: Source | None,
    actor: User | None,
    original: LedgerEntry | None,
) -> dict[str, Any]:
    return {
        "user_id": user.id,
        "kind": kind,
        "delta": delta,
        "reason_source": (in_english(reason) if isinstance(reason, dict) else reason)[:200],
        "reason_wording": reason if isinstance(reason, dict) else None,
        "source_type": source.type if source else None,
        "source_id": source.id if source else None,
        "idempotency_key": key,
        "actor_id": actor.id if actor else None,
        "original_id": original.id if original else None,
    }


async def _insert_row(
    session: AsyncSession, row: dict[str, Any], **columns: Any
) -> LedgerEntry | None:
    """The ledger INSERT; None when the key is taken."""
    dialect = (await session.connection()).dialect.name
    return await session.scalar(_insert_entry(dialect), [row | columns])  # type: ignore[no-any-return]


async def _existing(session: AsyncSession, key: str) -> LedgerEntry:
    if (earlier := await entry_for_key(session, key)) is None:
        raise RuntimeError(f"ledger key {key} conflicted but cannot be read")
    return earlier


async def entry_for_key(session: AsyncSession, key: str) -> LedgerEntry | None:
    return await session.scalar(select(LedgerEntry).where(LedgerEntry.idempotency_key == key))


def _replayed(
    earlier: LedgerEntry, user: User, kind: EntryKind, delta: int, multiplier: int | None
) -> LedgerEntry:
    if earlier.original_id is not None and earlier.user_id == user.id:
        return earlier  # settled or reversed first by another way (a cancel, a racing worker)
    # A multiplied amount depends on the level at the time: a retry after a level-up differs.
    multiplied = earlier.multiplier_percent is not None or multiplier is not None
    if (earlier.user_id, earlier.kind) != (user.id, kind) or (
        earlier.delta != delta and not multiplied
    ):
        raise IdempotencyConflict(
            f"key {earlier.idempotency_key} was used for {earlier.kind} {earlier.delta} "
            f"to user {earlier.user_id}, now {kind} {delta} to user {user.id}"
        )
    return earlier


_BALANCE = select(Balance.current, Balance.lifetime, Balance.floor_level_id, *_STREAK).where(
    Balance.user_id == bindparam("user_id")
)


async def balance_of(session: AsyncSession, user: User) -> Balances:
    row = (await session.execute(_BALANCE, {"user_id": user.id})).one_or_none()
    return Balances(*row[:3], streak=Streak(*row[3:])) if row else Balances(0, 0)
