"""What a person's points page shows beside the balance: their ledger, what is pending and why,
how each pending entry ended, and what clawbacks still owe; and the staff's review list."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from portal.i18n import _, day_and_month
from portal.people.models import User
from portal.points.models import Balance, EntryKind, EntryState, LedgerEntry
from portal.points.service.pending import waiting
from portal.wording import read

# A cancellation shows as the state of the entry it cancels, not as a row of its own.
_LISTED = LedgerEntry.kind != EntryKind.CANCEL


async def history(
    session: AsyncSession, user: User, *, before_id: int | None = None, limit: int = 25
) -> list[LedgerEntry]:
    """The user's ledger, newest first; `before_id` continues a page ("load more")."""
    query = select(LedgerEntry).where(LedgerEntry.user_id == user.id, _LISTED)
    if before_id is not None:
        query = query.where(LedgerEntry.id < before_id)
    return list(await session.scalars(query.order_by(LedgerEntry.id.desc()).limit(limit)))


_LEDGER = LedgerEntry.__table__
# Plain rows, built once: Home lists them on every visit.
_RECENT = (
    select(_LEDGER.c.delta, _LEDGER.c.reason, _LEDGER.c.reason_wording, _LEDGER.c.created_at)
    .where(_LEDGER.c.user_id == bindparam("user_id"), _LEDGER.c.kind != EntryKind.CANCEL)
    .order_by(_LEDGER.c.id.desc())
    .limit(bindparam("limit"))
)


@dataclass(frozen=True)
class RecentPoints:
    delta: int
    reason: str  # in the reader's language
    created_at: datetime


async def recent_points(session: AsyncSession, user: User, *, limit: int) -> list[RecentPoints]:
    """The newest entries of `history`, to read."""
    rows = await session.execute(_RECENT, {"user_id": user.id, "limit": limit})
    return [RecentPoints(delta, read(worded, english), at) for delta, english, worded, at in rows]


@dataclass(frozen=True)
class Standing:
    """Where a pending entry stands, in the words the advocate reads."""

    label: str
    waiting: bool
    note: str = ""  # a cancellation's reason


def standing(entry: LedgerEntry, settled_by: LedgerEntry | None) -> Standing:
    if settled_by is not None:
        if settled_by.kind == EntryKind.CANCEL:
            return Standing(_("cancelled"), waiting=False, note=settled_by.reason)
        return Standing(
            _("released %(day)s") % {"day": day_and_month(settled_by.created_at)}, waiting=False
        )
    if entry.pending_until is not None:
        return Standing(
            _("pending until %(day)s") % {"day": day_and_month(entry.pending_until)}, waiting=True
        )
    return Standing(_("pending review"), waiting=True)


async def standings(session: AsyncSession, entries: list[LedgerEntry]) -> dict[int, Standing]:
    """The standing of each pending award among `entries` (by entry id), in one query."""
    pending = [entry for entry in entries if entry.is_pending]
    if not pending:
        return {}
    settled = {
        row.original_id: row
        for row in await session.scalars(
            select(LedgerEntry).where(
                LedgerEntry.original_id.in_([entry.id for entry in pending]),
                LedgerEntry.kind.in_([EntryKind.AWARD, EntryKind.CANCEL]),
            )
        )
    }
    return {entry.id: standing(entry, settled.get(entry.id)) for entry in pending}


async def standings_by_key(session: AsyncSession, keys: list[str]) -> dict[str, Standing]:
    """The standing of the pending awards among these keys (a referral's stages)."""
    entries = list(
        await session.scalars(select(LedgerEntry).where(LedgerEntry.idempotency_key.in_(keys)))
    )
    by_id = await standings(session, entries)
    return {entry.idempotency_key: by_id[entry.id] for entry in entries if entry.id in by_id}


@dataclass(frozen=True)
class Waiting:
    pending: int  # points pending, not yet paid
    owed: int  # what clawbacks could not take yet


async def waiting_of(session: AsyncSession, user: User) -> Waiting:
    pending = await session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.delta), 0)).where(
            LedgerEntry.user_id == user.id, *waiting()
        )
    )
    owed = await session.scalar(select(Balance.owed).where(Balance.user_id == user.id))
    return Waiting(pending=int(pending or 0), owed=int(owed or 0))


async def pending_entries(session: AsyncSession, user: User) -> list[LedgerEntry]:
    """The person's pending awards, oldest first (staff release or cancel them)."""
    return list(
        await session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.user_id == user.id, *waiting())
            .order_by(LedgerEntry.id)
        )
    )


@dataclass(frozen=True)
class ReviewItem:
    entry: LedgerEntry
    person: User


async def review_queue(session: AsyncSession, *, limit: int = 100) -> list[ReviewItem]:
    """Pending awards that wait for a person (no clearance date), oldest first."""
    person = aliased(User)
    rows = await session.execute(
        select(LedgerEntry, person)
        .join(person, person.id == LedgerEntry.user_id)
        .where(*waiting(), LedgerEntry.pending_until.is_(None))
        .order_by(LedgerEntry.id)
        .limit(limit)
    )
    return [ReviewItem(entry, user) for entry, user in rows.all()]


def is_owed_marker(entry: LedgerEntry) -> bool:
    return entry.kind == EntryKind.REVERSE and entry.state == EntryState.PENDING
