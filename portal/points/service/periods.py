"""The week and month totals follow the program's time zone: when an admin chooses another
zone, the recent periods are rebuilt from the ledger with the new zone's midnights."""

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import events, zones
from portal.clock import utcnow
from portal.points.models import LedgerEntry, Period, PeriodTotal
from portal.points.service.totals import period_start

BATCH = 5_000


def oldest_period_read(now: datetime, zone: tzinfo) -> date:
    """The first day of the oldest period anything reads: boards read this week and month,
    the digest and the summary last week. From the Monday on or before the first of last
    month, every later period is complete in the rebuilt rows."""
    last_month = (period_start(Period.MONTH, now, zone) - timedelta(days=1)).replace(day=1)
    return last_month - timedelta(days=last_month.weekday())


async def rekey_recent_periods(session: AsyncSession, event: events.ProgramZoneChanged) -> None:
    """Rebuilds the week and month rows from `oldest_period_read` on, in the new zone. Older
    rows keep the keys of the zone they were counted in: nothing reads them."""
    zone = zones.zone(event.time_zone)
    first_day = oldest_period_read(utcnow(), zone)
    since = datetime.combine(first_day, time(), zone).astimezone(UTC)
    earned: Counter[tuple[Period, date, int]] = Counter()
    rows = await session.stream(
        select(LedgerEntry.user_id, LedgerEntry.delta, LedgerEntry.created_at)
        .where(LedgerEntry.counts_toward_lifetime, LedgerEntry.created_at >= since)
        .execution_options(yield_per=BATCH)
    )
    async for user_id, delta, moment in rows:
        for period in (Period.WEEK, Period.MONTH):
            start = period_start(period, moment, zone)
            if start >= first_day:
                earned[(period, start, user_id)] += delta
    await session.execute(delete(PeriodTotal).where(PeriodTotal.period_start >= first_day))
    values = [
        {"period": period, "period_start": start, "user_id": user_id, "points": points}
        for (period, start, user_id), points in earned.items()
    ]
    for offset in range(0, len(values), BATCH):
        await session.execute(insert(PeriodTotal), values[offset : offset + BATCH])
