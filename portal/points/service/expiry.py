"""Point expiry (off by default; Manage → Pending points → Points rules): points expire a number
of months after they were paid, first in, first out.

Every posted row that adds points (an award, a release, a refund, a positive adjustment) is a lot
paid on its day (in the program's zone); a lot paid on day d expires at the start of d + N months
(the 31st falling back to a shorter month's last day). A reversal takes its points out of the lot
it reverses. Every other row that takes points (spends, negative adjustments, earlier expiries)
takes them from the oldest lots first, so what is left of the lots paid up to a day is what they
paid less everything taken, or nothing. Points paid before expiry was switched on count as paid on
that day. Expiring points is a posted `expire` row keyed by the person and the last day whose
lots it ends, so a rerun or a second worker expires nothing twice; lifetime points and levels
never change."""

from calendar import monthrange
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from portal.i18n import N_
from portal.people.models import User
from portal.points.models import Balance, EntryKind, EntryState, LedgerEntry
from portal.points.service.ledger import entry_for_key, post_entry
from portal.points.service.rules import EarnRules, load_rules
from portal.program import cache
from portal.program import service as program
from portal.templating import local_date
from portal.wording import wording

# A reminder goes out, and Home says so, this long before points expire.
REMIND_BEFORE = timedelta(days=30)
BATCH = 500


@dataclass(frozen=True)
class Expiring:
    points: int
    on: date  # the day they are gone (from its start, in the program's zone)


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def last_expired_day(today: date, months: int) -> date:
    """The last day whose lots have expired by `today`: the latest d with d + N months ≤ today."""
    day = add_months(today, -months)
    while add_months(day + timedelta(days=1), months) <= today:
        day += timedelta(days=1)
    return day


def day_start(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


async def expiry_rules(session: AsyncSession) -> EarnRules:
    """The rules, from the program cache: Home asks on every visit, and costs no statement."""
    return await cache.cached(session, "points_rules", load_rules)


def _lot_columns() -> tuple[Any, ColumnElement[bool], ColumnElement[bool], Any]:
    """When each row's points were paid (a reversal's: its original's), whether it adds to a
    lot, whether it takes from the oldest lots, and the join that finds a reversal's original."""
    original = aliased(LedgerEntry)
    paid_at = func.coalesce(original.created_at, LedgerEntry.created_at)
    adds = (LedgerEntry.delta > 0) | (LedgerEntry.kind == EntryKind.REVERSE)
    takes = (LedgerEntry.delta < 0) & (LedgerEntry.kind != EntryKind.REVERSE)
    join = (
        original,
        (original.id == LedgerEntry.original_id) & (LedgerEntry.kind == EntryKind.REVERSE),
    )
    return paid_at, adds, takes, join


async def expire_due(session: AsyncSession, *, now: datetime, limit: int = BATCH) -> int:
    """Posts the expiries due at `now` for up to `limit` people; how many were posted (fewer
    than `limit`: none are left). Each person's row is keyed by the last day it ends, so a second
    run finds nothing left, and a worker racing this one replays the same row."""
    rules = await load_rules(session)
    if (start := rules.expiry_start) is None:
        return 0
    zone = (await program.load_once(session)).zone
    through = last_expired_day(now.astimezone(zone).date(), rules.expire_after_months)
    if through < start:
        return 0
    cutoff = day_start(through + timedelta(days=1), zone)
    paid_at, adds, takes, (original, joined) = _lot_columns()
    due = func.sum(
        case((adds & (paid_at < cutoff), LedgerEntry.delta), (takes, LedgerEntry.delta), else_=0)
    )
    rows = await session.execute(
        select(LedgerEntry.user_id, due, Balance.current)
        .outerjoin(original, joined)
        .join(Balance, Balance.user_id == LedgerEntry.user_id)
        .where(LedgerEntry.state == EntryState.POSTED, Balance.current > 0)
        .group_by(LedgerEntry.user_id, Balance.current)
        .having(due > 0)
        .order_by(LedgerEntry.user_id)
        .limit(limit)
    )
    posted = 0
    for user_id, points, current in rows.all():
        key = f"expire:{user_id}:{through.isoformat()}"
        if await entry_for_key(session, key) is not None:
            continue  # expired by this run's twin since the sums were read
        await post_entry(
            session,
            await session.get_one(User, user_id),
            EntryKind.EXPIRE,
            -min(int(points), current),
            reason=wording(N_("Points paid up to %(day)s expired"), day=local_date(through)),
            key=key,
            source=None,
            actor=None,
            counts_toward_lifetime=False,
        )
        posted += 1
    return posted


async def expiring_soon(
    session: AsyncSession, user: User, *, now: datetime, within: timedelta = REMIND_BEFORE
) -> Expiring | None:
    """The points of the person's that expire next, if that is within `within` of `now` (a day
    already past whose points the job has not taken yet counts as now): one statement."""
    rules = await expiry_rules(session)
    if (start := rules.expiry_start) is None:
        return None
    months = rules.expire_after_months
    zone = (await program.load_once(session)).zone
    horizon = now.astimezone(zone).date() + within
    through = last_expired_day(horizon, months)
    if through < start:
        return None
    cutoff, first = day_start(through + timedelta(days=1), zone), day_start(start, zone)
    paid_at, adds, takes, (original, joined) = _lot_columns()
    lot = case((adds & (paid_at >= first), paid_at), else_=None)
    rows = await session.execute(
        select(
            lot,
            func.sum(case((adds, LedgerEntry.delta), else_=0)),
            func.sum(case((takes, -LedgerEntry.delta), else_=0)),
        )
        .outerjoin(original, joined)
        .where(
            LedgerEntry.user_id == user.id,
            LedgerEntry.state == EntryState.POSTED,
            ~(adds & (paid_at >= cutoff)),
        )
        .group_by(lot)
    )
    lots: list[tuple[date, int]] = []
    taken = 0
    for paid, added, took in rows.all():
        taken += int(took)
        day = start if paid is None else max(start, paid.astimezone(zone).date())
        lots.append((day, int(added)))
    left = remaining(lots, taken=taken, months=months)
    return min(
        (Expiring(points, day) for day, points in left.items()), key=lambda e: e.on, default=None
    )


def remaining(lots: list[tuple[date, int]], *, taken: int, months: int) -> dict[date, int]:
    """What is left of each expiry day's lots once `taken` came off the oldest first: expiry
    day → points (days with nothing left are not named)."""
    left: dict[date, int] = defaultdict(int)
    for day, added in sorted(lots):
        kept = max(0, added - taken)
        taken = max(0, taken - max(0, added))
        if kept:
            left[add_months(day, months)] += kept
    return dict(left)
