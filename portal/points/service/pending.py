"""Pending points: what waits, for whom, and the three ways it ends (its clearance date, a staff
decision, a trust rule), plus clawbacks of what a source paid. Reads here, writes in `earning`."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from portal.audit import service as audit
from portal.clock import utcnow
from portal.errors import Conflict, NotFound
from portal.i18n import N_
from portal.people.models import User
from portal.points.models import EntryKind, EntryState, LedgerEntry
from portal.points.service.earning import cancel, release, reverse, settling_key
from portal.points.service.ledger import Source
from portal.wording import Wording


def waiting() -> tuple[ColumnElement[bool], ...]:
    """Pending awards nothing has settled yet (built per call: an alias made at import time
    would configure the mappers before every model is imported)."""
    settling = aliased(LedgerEntry)
    settled = exists().where(
        settling.original_id == LedgerEntry.id,
        settling.kind.in_([EntryKind.AWARD, EntryKind.CANCEL]),
    )
    return (
        LedgerEntry.state == EntryState.PENDING,
        LedgerEntry.kind == EntryKind.AWARD,
        ~settled,
    )


class OwnPendingPoints(Conflict):
    message = N_("These are your own points: another member of the program team decides them.")


async def _waiting_entry(session: AsyncSession, entry_id: int, actor: User | None) -> LedgerEntry:
    entry = await session.scalar(select(LedgerEntry).where(LedgerEntry.id == entry_id, *waiting()))
    if entry is None:
        raise NotFound(N_("Those points are no longer pending."))
    if actor is not None and actor.id == entry.user_id:
        raise OwnPendingPoints()
    return entry


async def release_pending(
    session: AsyncSession, entry_id: int, *, reason: str, actor: User | None = None
) -> LedgerEntry:
    """Pays a pending entry now, whatever its clearance date (a staff decision, or a trust
    rule with `actor` None). `reason` goes in the audit log; the advocate's row keeps what the
    points were for. Idempotent: a second call, or one racing it, pays nothing more. Returns
    the row that settled the entry (a cancellation, if one won a race). NotFound when the entry
    is not pending or already settled."""
    pending = await _waiting_entry(session, entry_id, actor)
    settled = await release(session, pending, actor=actor)
    await _record(session, "points.released", pending, reason=reason, actor=actor)
    return settled


async def cancel_pending(
    session: AsyncSession, entry_id: int, *, reason: str, actor: User | None
) -> LedgerEntry:
    """Ends a pending entry unpaid (a staff decision); the advocate sees it cancelled."""
    pending = await _waiting_entry(session, entry_id, actor)
    settled = await cancel(session, pending, reason=reason, actor=actor)
    await _record(session, "points.cancelled", pending, reason=reason, actor=actor)
    return settled


async def _record(
    session: AsyncSession, action: str, pending: LedgerEntry, *, reason: str, actor: User | None
) -> None:
    await audit.record(
        session,
        actor=actor,
        action=action,
        target_type="user",
        target_id=pending.user_id,
        summary=f"{pending.delta:+,} pending points ({pending.reason}): {reason}",
    )


async def release_due(session: AsyncSession, *, limit: int = 500) -> int:
    """Pays the pending entries whose clearance date has come, oldest first; the number paid.
    Two workers at once pay each entry once (the settling key decides)."""
    due = await session.scalars(
        select(LedgerEntry)
        .where(*waiting(), LedgerEntry.pending_until <= utcnow())
        .order_by(LedgerEntry.pending_until, LedgerEntry.id)
        .limit(limit)
    )
    paid = 0
    for pending in due.all():
        settled = await release(session, pending, actor=None)
        paid += settled.kind == EntryKind.AWARD and settled.state == EntryState.POSTED
    return paid


async def release_held(
    session: AsyncSession, *, source: Source, reason: str, actor: User | None
) -> int:
    """Pays what a source's review held (a flagged referral, once a person clears it); the
    points released."""
    held = await session.execute(
        select(LedgerEntry.id, LedgerEntry.delta).where(
            *waiting(),
            LedgerEntry.pending_until.is_(None),
            LedgerEntry.source_type == source.type,
            LedgerEntry.source_id == source.id,
        )
    )
    released = 0
    for entry_id, delta in held.all():
        await release_pending(session, entry_id, reason=reason, actor=actor)
        released += delta
    return released


@dataclass(frozen=True)
class ClawedBack:
    cancelled: int  # pending points that will never be paid
    taken: int  # paid points taken back from the balance now
    owed: int  # paid points the balance could not cover: taken from the next awards

    @property
    def total(self) -> int:
        return self.cancelled + self.taken + self.owed


async def claw_back(
    session: AsyncSession,
    *,
    keys: list[str],
    reason: str | Wording,
    actor: User | None,
    since: datetime | None = None,
) -> ClawedBack:
    """Takes back what the entries with these keys paid (those created after `since`, when
    given): pending ones are cancelled, paid ones reversed. Idempotent."""
    query = select(LedgerEntry).where(
        LedgerEntry.idempotency_key.in_(keys), LedgerEntry.kind == EntryKind.AWARD
    )
    if since is not None:
        query = query.where(LedgerEntry.created_at >= since)
    cancelled = taken = owed = 0
    for entry in (await session.scalars(query.order_by(LedgerEntry.id))).all():
        paid: LedgerEntry | None = entry
        if entry.state == EntryState.PENDING:
            paid = await _settlement(session, entry)
            if paid is None:
                settled = await cancel(session, entry, reason=reason, actor=actor)
                cancelled += entry.delta if settled.kind == EntryKind.CANCEL else 0
                paid = settled if settled.kind == EntryKind.AWARD else None  # a release won
        if paid is not None and paid.kind == EntryKind.AWARD:
            reversal = await reverse(session, paid, reason=reason, actor=actor)
            taken, owed = taken + reversal.taken, owed + reversal.owed
    return ClawedBack(cancelled=cancelled, taken=taken, owed=owed)


async def _settlement(session: AsyncSession, pending: LedgerEntry) -> LedgerEntry | None:
    return await session.scalar(
        select(LedgerEntry).where(LedgerEntry.idempotency_key == settling_key(pending))
    )
