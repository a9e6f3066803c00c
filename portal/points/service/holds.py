"""Whether an award is paid now or waits: for a person's review (a flagged referral, an earn
cap reached), or until its source's clearance window has passed (unless the person's trust score
clears it early)."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import utcnow
from portal.people.models import User
from portal.points.models import EntryKind, EntryState, LedgerEntry
from portal.points.service.rules import EARNING_OF_SOURCE, Earning, EarnRules, rules_once
from portal.trust import service as trust

SPAN_WORDS = {"day": "daily", "week": "weekly"}


@dataclass(frozen=True)
class Hold:
    until: datetime | None  # the clearance date; None: waits for a person
    reason: str | None  # why it waits for review, for staff


def earning_of(source_type: str | None, earning: Earning | None = None) -> Earning | None:
    if earning is not None:
        return earning
    return EARNING_OF_SOURCE.get(source_type or "")


async def hold_for(
    session: AsyncSession,
    user: User,
    *,
    points: int,
    earning: Earning | None,
    review: str | None,
) -> Hold | None:
    """None: pay now. Staff awards (no earning source) are never held, unless asked to."""
    if review:
        return Hold(until=None, reason=review)
    if earning is None:
        return None
    rules = await rules_once(session)
    if rules.has_caps and (over := await _over_cap(session, user, points, earning, rules)):
        return Hold(until=None, reason=over)
    days = rules.clearance_days(earning)
    if not days:
        return None
    verdict = await trust.clearance_verdict(session, user_id=user.id)
    await trust.record_verdict(
        session,
        verdict,
        target_type="points",
        target_id=user.id,
        subject=f"{points:,} {earning.value.replace('_', ' ')} points for {user.email}",
    )
    return (
        Hold(until=utcnow() + timedelta(days=days), reason=None) if verdict.needs_review else None
    )


async def _over_cap(
    session: AsyncSession, user: User, points: int, earning: Earning, rules: EarnRules
) -> str | None:
    """The cap this award would pass, in words; counts the points paid (posted awards from
    earning sources) since the start of the UTC day and week."""
    now = utcnow()
    day_start = datetime.combine(now.date(), time(), tzinfo=now.tzinfo)
    week_start = day_start - timedelta(days=now.weekday())
    paid: dict[str, tuple[int, int]] = {
        source_type: (int(today or 0), int(week or 0))
        for source_type, today, week in await session.execute(
            select(
                LedgerEntry.source_type,
                func.sum(case((LedgerEntry.created_at >= day_start, LedgerEntry.delta), else_=0)),
                func.sum(LedgerEntry.delta),
            )
            .where(
                LedgerEntry.user_id == user.id,
                LedgerEntry.kind == EntryKind.AWARD,
                LedgerEntry.state == EntryState.POSTED,
                LedgerEntry.created_at >= week_start,
                LedgerEntry.source_type.in_(list(EARNING_OF_SOURCE)),
            )
            .group_by(LedgerEntry.source_type)
        )
    }
    family = earning.family
    for span, index in (("day", 0), ("week", 1)):
        everywhere = sum(sums[index] for sums in paid.values())
        same_source = sum(
            sums[index]
            for source_type, sums in paid.items()
            if EARNING_OF_SOURCE[source_type] is family
        )
        scopes: tuple[tuple[Earning | None, int], ...] = ((None, everywhere), (family, same_source))
        for scope, earned in scopes:
            cap = rules.cap(scope, span)
            if cap and earned + points > cap:
                what = f" {scope.value}" if scope else ""
                return f"Over the {SPAN_WORDS[span]}{what} earn cap of {cap:,} points"
    return None
