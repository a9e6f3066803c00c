"""`portal seed-bench`: fills a database with a large, consistent program for benchmarks.

This is the one bulk loader that writes ledger rows without `points.service`: a million rows
through the service would take an hour. It writes exactly what the service would have written
(balance_after per row, balances == SUM(delta), week and month totals, daily totals, earned
days, earners per day and points issued per person per day), and the benchmark runs
`reconcile_balances` to prove it."""

import bisect
import json
import random
import string
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

import portal.models  # noqa: F401 (every mapper, so relationships named by string resolve)
from portal import zones
from portal.auth.service.passwords import hash_password
from portal.benchactivity import seed_activity
from portal.benchvisits import (
    SPEND_SOURCE,
    next_redemption_id,
    returns,
    seed_visits_and_uses,
    visits,
)
from portal.clock import utcnow
from portal.people.models import Group, GroupMember, Role, User, UserRole, UserStatus
from portal.points.models import (
    DAILY_SHARDS,
    Balance,
    DailyEarners,
    DailyTotal,
    EarnedDay,
    EarnerReturns,
    EntryKind,
    IssuedDay,
    IssuedMonth,
    LedgerEntry,
    Period,
    PeriodTotal,
)
from portal.points.service.totals import period_start

BENCH_DOMAIN = "bench.example"
BENCH_PASSWORD = "bench-password"  # noqa: S105 (every bench account's, public by design)
BENCH_STAFF = f"admin@{BENCH_DOMAIN}"  # admin and marketer, created after the advocates
GROUP_SIZES = {
    "Bench: large group": 10_000,
    "Bench: medium group": 1_000,
    "Bench: small group": 100,
}
REASONS = ["Wrote a review", "Shared a post", "Answered a survey", "Referral qualified"]
BATCH = 20_000
TABLES_WITH_IDS = (
    "users",
    "challenges",
    "referrals",
    "content_assets",
    "rewards",
    "redemptions",
    "reward_codes",
)

Progress = Callable[[int], None]


class AlreadySeeded(Exception):
    pass


async def seed(
    connection: AsyncConnection,
    *,
    advocates: int,
    ledger: int,
    progress: Progress,
    entries: int = 0,
    referrals: int = 0,
    seed: int = 7,
) -> None:
    if await connection.scalar(
        select(User.id).where(User.email.like(f"%@{BENCH_DOMAIN}")).limit(1)
    ):
        raise AlreadySeeded("This database already has benchmark data.")
    rng = random.Random(seed)  # noqa: S311 (repeatable benchmark data, not secrets)
    now = utcnow()
    first_id = (await connection.scalar(select(User.id).order_by(User.id.desc()).limit(1)) or 0) + 1
    user_ids = list(range(first_id, first_id + advocates))
    # Sign-ups spread over 400 days, in id order: about a fifth within the ledger's 90 days.
    joined = sorted(now - timedelta(seconds=rng.randrange(400 * 86_400)) for _ in user_ids)
    password_hash = await hash_password(BENCH_PASSWORD)
    first_redemption = await next_redemption_id(connection)
    rows, balances, totals = _ledger(user_ids, joined, ledger, first_redemption, now, rng)
    active_days, last_seen = visits(rows, user_ids, joined, now, rng)

    await _load(
        connection,
        User.__table__,
        _users(user_ids, joined, last_seen, password_hash, rng),
        progress,
    )
    await _load(
        connection,
        UserRole.__table__,
        ({"user_id": uid, "role": Role.ADVOCATE.value} for uid in user_ids),
        progress,
    )
    await _load(connection, LedgerEntry.__table__, rows, progress)
    await _load(connection, Balance.__table__, balances, progress)
    await _load(connection, PeriodTotal.__table__, totals, progress)
    daily, earned_days, earners, issued, issued_months = _daily(rows)
    await _load(connection, DailyTotal.__table__, daily, progress)
    await _load(connection, EarnedDay.__table__, earned_days, progress)
    await _load(connection, DailyEarners.__table__, earners, progress)
    earned = ((row["day"], row["user_id"]) for row in earned_days)
    returned = returns(earned, DAILY_SHARDS, "earners")
    await _load(connection, EarnerReturns.__table__, returned, progress)
    await _load(connection, IssuedDay.__table__, issued, progress)
    await _load(connection, IssuedMonth.__table__, issued_months, progress)
    await _groups(connection, user_ids, rng, progress)
    await seed_activity(
        connection,
        lambda table, rows: _load(connection, table, rows, progress),
        user_ids=user_ids,
        entries=entries,
        referrals=referrals,
        now=now,
        rng=rng,
    )
    await seed_visits_and_uses(
        connection,
        lambda table, rows: _load(connection, table, rows, progress),
        active_days=active_days,
        user_ids=user_ids,
        joined=joined,
        spends=[row for row in rows if row["kind"] == EntryKind.SPEND.value],
        now=now,
        rng=rng,
    )
    if connection.dialect.name == "postgresql":  # ids were given explicitly: move them on
        for table in TABLES_WITH_IDS:
            await connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"
                )
            )
        await connection.execute(text("ANALYZE"))


def _users(
    user_ids: Sequence[int],
    joined: Sequence[datetime],
    last_seen: dict[int, datetime],
    password_hash: str,
    rng: random.Random,
) -> Iterator[dict[str, Any]]:
    alphabet = string.ascii_lowercase + string.digits
    for uid, created in zip(user_ids, joined, strict=True):
        yield {
            "id": uid,
            "email": f"advocate{uid}@{BENCH_DOMAIN}",
            "display_name": f"Bench Advocate {uid}",
            "status": UserStatus.ACTIVE.value,
            "password_hash": password_hash,
            "company": f"Company {uid % 5_000}",
            "job_title": "Engineer",
            "referral_code": "b" + "".join(rng.choice(alphabet) for _ in range(11)),
            "show_in_feed": uid % 3 == 0,
            "created_at": created,
            "first_login_at": created + timedelta(minutes=30),
            "last_seen_at": last_seen.get(uid),
        }


def _ledger(
    user_ids: Sequence[int],
    joined: Sequence[datetime],
    count: int,
    first_redemption: int,
    now: datetime,
    rng: random.Random,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Ledger rows in time order, each of someone who had joined by then, with the balances
    and period totals they add up to. A spend pays for a redemption (numbered from
    `first_redemption`), as the rewards service writes it."""
    moments = sorted(now - timedelta(seconds=rng.randrange(90 * 86_400)) for _ in range(count))
    current: dict[int, int] = defaultdict(int)
    lifetime: dict[int, int] = defaultdict(int)
    last_earned: dict[int, datetime] = {}
    first_earned: dict[int, datetime] = {}
    earned: dict[tuple[Period, date, int], int] = defaultdict(int)
    zone = zones.zone(zones.program_default())  # a seeded program has chosen no zone
    rows = []
    redemption = first_redemption
    for n, moment in enumerate(moments):
        uid = user_ids[rng.randrange(max(bisect.bisect(joined, moment), 1))]
        source_type, source_id, key = None, None, f"bench:{n}"
        if current[uid] >= 100 and rng.random() < 0.15:
            delta, kind = -rng.randrange(50, current[uid] + 1, 50), EntryKind.SPEND
            source_type, source_id = SPEND_SOURCE, redemption
            key = f"redemption:{redemption}:spend"
            redemption += 1
        else:
            delta, kind = rng.choice((10, 25, 50, 50, 200, 300, 1000)), EntryKind.AWARD
        current[uid] += delta
        if kind == EntryKind.AWARD:
            lifetime[uid] += delta
            last_earned[uid] = moment
            first_earned.setdefault(uid, moment)
            for period in (Period.WEEK, Period.MONTH):
                earned[(period, period_start(period, moment, zone), uid)] += delta
        rows.append(
            {
                "user_id": uid,
                "kind": kind.value,
                "delta": delta,
                "counts_toward_lifetime": kind == EntryKind.AWARD,
                "balance_after": current[uid],
                "reason": REASONS[n % len(REASONS)] if delta > 0 else "Redeemed a reward",
                "source_type": source_type,
                "source_id": source_id,
                "idempotency_key": key,
                "actor_id": None,
                "created_at": moment,
            }
        )
    balances = [
        {
            "user_id": uid,
            "current": current[uid],
            "lifetime": lifetime[uid],
            "last_earned_at": last_earned.get(uid),
            "last_active_at": last_earned.get(uid),  # bench advocates never visit
            "first_earned_at": first_earned.get(uid),
        }
        for uid in user_ids
    ]
    totals = [
        {"period": period.value, "period_start": start, "user_id": uid, "points": points}
        for (period, start, uid), points in earned.items()
    ]
    return rows, balances, totals


def _daily(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], ...]:
    """The daily totals, earned days, earners per day and points issued per person per day
    and per month that `points.service.totals.record_totals` keeps (the bench ledger has no
    adjustments)."""
    moved: dict[tuple[date, str, str, int], list[int]] = defaultdict(lambda: [0, 0])
    earned = set()
    issued: dict[tuple[date, int], int] = defaultdict(int)
    for row in rows:
        day = row["created_at"].date()
        source = row["source_type"] or ""
        sums = moved[(day, row["kind"], source, row["user_id"] % DAILY_SHARDS)]
        sums[0 if row["delta"] > 0 else 1] += row["delta"]
        if row["kind"] == EntryKind.AWARD.value:
            earned.add((day, row["user_id"]))
            issued[(day, row["user_id"])] += row["delta"]
    daily = [
        {"day": day, "kind": kind, "source_type": src, "shard": shard, "added": a, "removed": r}
        for (day, kind, src, shard), (a, r) in moved.items()
    ]
    earners: dict[tuple[date, int], int] = defaultdict(int)
    for day, uid in earned:
        earners[(day, uid % DAILY_SHARDS)] += 1
    months: dict[tuple[date, int], int] = defaultdict(int)
    for (day, uid), points in issued.items():
        months[(day.replace(day=1), uid)] += points
    return (
        daily,
        [{"day": day, "user_id": uid} for day, uid in earned],
        [{"day": day, "shard": shard, "earners": n} for (day, shard), n in earners.items()],
        [{"day": day, "user_id": uid, "points": p} for (day, uid), p in issued.items()],
        [{"month": month, "user_id": uid, "points": p} for (month, uid), p in months.items()],
    )


async def _groups(
    connection: AsyncConnection, user_ids: Sequence[int], rng: random.Random, progress: Progress
) -> None:
    for name, size in GROUP_SIZES.items():
        group_id = (
            await connection.execute(
                insert(Group).values(name=name, description="Benchmark data").returning(Group.id)
            )
        ).scalar_one()
        members = rng.sample(list(user_ids), min(size, len(user_ids)))
        await _load(
            connection,
            GroupMember.__table__,
            ({"group_id": group_id, "user_id": uid, "added_at": utcnow()} for uid in members),
            progress,
        )


async def _load(
    connection: AsyncConnection,
    table: Table | Any,
    rows: Iterator[dict[str, Any]] | list[dict[str, Any]],
    progress: Progress,
) -> None:
    """COPY on PostgreSQL, batched executemany elsewhere; defaults filled like the ORM would."""
    defaults = {}
    for column in table.columns:
        value = getattr(column.default, "arg", None)
        if value is not None and not callable(value):
            defaults[column.name] = value
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append({**defaults, **row})
        if len(batch) >= BATCH:
            await _write(connection, table, batch)
            progress(len(batch))
            batch = []
    if batch:
        await _write(connection, table, batch)
        progress(len(batch))


async def _write(connection: AsyncConnection, table: Table, batch: list[dict[str, Any]]) -> None:
    if connection.dialect.name == "postgresql":
        raw = await connection.get_raw_connection()
        columns = list(batch[0])
        records = [tuple(_copyable(row[c]) for c in columns) for row in batch]
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            table.name, records=records, columns=columns
        )
    else:
        await connection.execute(insert(table), batch)


def _copyable(value: Any) -> Any:
    """COPY takes a JSON column's value as its text."""
    return json.dumps(value) if isinstance(value, dict | list) else value
