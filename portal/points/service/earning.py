"""Earning: awards (paid now, or pending until a clearance date or a person's review), the
release and cancellation of pending entries, and clawbacks (reversals, with what the balance
could not cover owed and taken from the next awards). Written through the ledger's two doors."""

from dataclasses import dataclass
from typing import NotRequired, TypedDict, Unpack

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from portal.i18n import N_
from portal.people.models import User
from portal.points.models import EntryKind, EntryState, LedgerEntry
from portal.points.service.earned import note_pending
from portal.points.service.holds import Hold, earning_of, hold_for
from portal.points.service.ledger import (
    Posting,
    Source,
    balance_of,
    entry_for_key,
    hold_entry,
    positive,
    post_entry,
)
from portal.points.service.rules import Earning
from portal.points.service.tiers import multiplied, multiplier_for
from portal.wording import Wording, wording


class AwardTerms(TypedDict):
    """What an award says, for `award` and `post_award` alike."""

    points: int
    reason: str | Wording  # a wording is read in each reader's language (portal.wording)
    key: str  # the idempotency key: a replay of it pays nothing
    source: NotRequired[Source | None]
    actor: NotRequired[User | None]
    earning: NotRequired[Earning | None]  # the clearance rule, else the source's type
    review: NotRequired[str | None]  # why a person must review it first


async def award(session: AsyncSession, user: User, **terms: Unpack[AwardTerms]) -> LedgerEntry:
    """`post_award`'s entry, for callers that need not tell a replay from a new movement."""
    return (await post_award(session, user, **terms)).entry


async def post_award(session: AsyncSession, user: User, **terms: Unpack[AwardTerms]) -> Posting:
    """Awards `points`, telling a replayed key (the first entry, nothing moved) from a new
    movement.

    Pays the points, or records them pending: for review when `review` says why (or an
    earn cap is reached), or until the clearance window of the source (`earning`, else the
    source's type) has passed. Paid points first settle what a clawback still owes. The
    person's level multiplies `points` when it multiplies this source's awards."""
    points, reason, key = terms["points"], terms["reason"], terms["key"]
    source, actor = terms.get("source"), terms.get("actor")
    earning, review = terms.get("earning"), terms.get("review")
    earned_from = earning_of(source.type if source else None, earning)
    if multiplier := await multiplier_for(session, user, earned_from):
        points = multiplied(positive(points), multiplier)
    hold = await hold_for(
        session, user, points=positive(points), earning=earned_from, review=review
    )
    if hold is not None:
        replayed = await entry_for_key(session, key) is not None
        entry = await hold_entry(
            session,
            user,
            EntryKind.AWARD,
            points,
            reason=reason,
            key=key,
            source=source,
            actor=actor,
            hold=hold,
            multiplier=multiplier,
        )
        note_pending(session, user.id, entry.delta if entry.is_pending and not replayed else 0)
        return Posting(entry, 0, replayed=replayed)
    posted = await post_entry(
        session,
        user,
        EntryKind.AWARD,
        points,
        reason=reason,
        key=key,
        source=source,
        actor=actor,
        counts_toward_lifetime=True,
        multiplier=multiplier,
    )
    await _take_owed(session, user, posted)
    return posted


def source_of(entry: LedgerEntry) -> Source | None:
    if entry.source_type is None or entry.source_id is None:
        return None
    return Source(entry.source_type, entry.source_id)


def settling_key(pending: LedgerEntry) -> str:
    """One key for the release and the cancellation of a pending entry: whichever is written
    first settles it, and the other finds it taken."""
    return f"pending:{pending.id}:settled"


async def release(
    session: AsyncSession, pending: LedgerEntry, *, actor: User | None
) -> LedgerEntry:
    """Pays a pending entry (an award row naming it); returns the row that settled it, which
    is a cancellation if one came first."""
    user = await session.get_one(User, pending.user_id)
    posted = await post_entry(
        session,
        user,
        EntryKind.AWARD,
        pending.delta,
        reason=said(pending),
        key=settling_key(pending),
        source=source_of(pending),
        actor=actor,
        counts_toward_lifetime=True,
        original=pending,
        multiplier=pending.multiplier_percent,
    )
    await _take_owed(session, user, posted)
    return posted.entry


async def cancel(
    session: AsyncSession, pending: LedgerEntry, *, reason: str | Wording, actor: User | None
) -> LedgerEntry:
    """Ends a pending entry unpaid: a pending row of the opposite amount naming it. Returns
    the row that settled it, which is a release if one came first."""
    user = await session.get_one(User, pending.user_id)
    return await hold_entry(
        session,
        user,
        EntryKind.CANCEL,
        -pending.delta,
        reason=reason,
        key=settling_key(pending),
        source=source_of(pending),
        actor=actor,
        hold=Hold(until=None, reason=None),
        original=pending,
    )


def said(entry: LedgerEntry) -> str | Wording:
    """An entry's reason as it was written: its wording, else its English."""
    return entry.reason_wording or entry.reason_source


@dataclass(frozen=True)
class Reversal:
    taken: int  # from the balance now
    owed: int  # left to take from the next awards


async def reverse(
    session: AsyncSession, paid: LedgerEntry, *, reason: str | Wording, actor: User | None
) -> Reversal:
    """Takes back the points of a paid entry, as far as the balance allows; what it cannot
    take is owed (a pending `reverse` row records it) and taken from the next awards. Returns
    what it did. Once per entry: a second call finds its rows and does nothing."""
    done = select(LedgerEntry.id).where(
        LedgerEntry.original_id == paid.id, LedgerEntry.kind == EntryKind.REVERSE
    )
    if await session.scalar(done.limit(1)) is not None:
        return Reversal(0, 0)
    user = await session.get_one(User, paid.user_id)
    balance = await balance_of(session, user)
    taken = min(paid.delta, balance.current, balance.lifetime)
    if taken:
        posted = await post_entry(
            session,
            user,
            EntryKind.REVERSE,
            -taken,
            reason=reason,
            key=f"reverse:{paid.id}",
            source=source_of(paid),
            actor=actor,
            counts_toward_lifetime=True,
            original=paid,
        )
        taken = -posted.entry.delta
    if taken < paid.delta:
        await hold_entry(
            session,
            user,
            EntryKind.REVERSE,
            taken - paid.delta,
            reason=wording(N_("Still owed: %(reason)s"), reason=reason),
            key=f"reverse:{paid.id}:owed",
            source=source_of(paid),
            actor=actor,
            hold=Hold(until=None, reason=None),
            original=paid,
        )
    return Reversal(taken, paid.delta - taken)


async def _take_owed(session: AsyncSession, user: User, posted: Posting) -> None:
    """Takes what clawbacks still owe from a fresh award, oldest clawback first: a posted
    `reverse` row per clawback, naming the entry it reverses."""
    if not posted.owed or posted.entry.kind != EntryKind.AWARD:
        return
    award = posted.entry
    reversal = aliased(LedgerEntry)
    left = LedgerEntry.delta + func.sum(
        case((reversal.state == EntryState.POSTED, reversal.delta), else_=0)
    )
    outstanding = await session.execute(
        select(LedgerEntry, left)
        .join(
            reversal,
            (reversal.original_id == LedgerEntry.id) & (reversal.kind == EntryKind.REVERSE),
        )
        .where(LedgerEntry.user_id == user.id)
        .group_by(LedgerEntry.id)
        .having(left > 0)
        .order_by(LedgerEntry.id)
    )
    available = min(award.delta, posted.owed)
    for paid, still_owed in outstanding.all():
        taken = min(int(still_owed), available)
        if taken <= 0:
            break
        await post_entry(
            session,
            user,
            EntryKind.REVERSE,
            -taken,
            reason=wording(N_("Taken back: %(reason)s"), reason=said(paid)),
            key=f"reverse:{paid.id}:from:{award.id}",
            source=source_of(paid),
            actor=None,
            counts_toward_lifetime=True,
            original=paid,
            owed_delta=-taken,
        )
        available -= taken
