"""`portal seed-bench`'s visits, content uses and redemptions, for the report benchmarks: the
days each advocate was signed in (most days they earned, and other days besides), first uses of
the content library, and a redemption behind every spend in the ledger (rewards of every kind,
code pools included). Rows are written as the services would leave them."""

import bisect
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from portal.content.models import Asset, AssetKind, AssetUse
from portal.people.models import ACTIVE_SHARDS, NEVER, ActiveDay, ActiveReturns, DailyActives
from portal.points.models import EntryKind
from portal.rewards.models import (
    Redemption,
    RedemptionStatus,
    Reward,
    RewardCode,
    RewardKind,
)

DAYS = 90
ASSETS = 30
REWARDS = 20
FREE_CODES = 500  # left in each code pool
VISITS_WHEN_EARNING = 0.85  # most points are earned while signed in (the rest: API, referrals)
OTHER_VISITORS = 0.02  # the share of advocates who only look around on a given day
SPEND_SOURCE = "redemption"

Load = Callable[[Any, Iterator[dict[str, Any]]], Any]


def visits(
    ledger: Sequence[dict[str, Any]],
    user_ids: Sequence[int],
    joined: Sequence[datetime],
    now: datetime,
    rng: random.Random,
) -> tuple[set[tuple[date, int]], dict[int, datetime]]:
    """The (day, advocate) pairs someone was signed in, and each one's last visit."""
    days: set[tuple[date, int]] = set()
    last: dict[int, datetime] = {}
    for row in ledger:
        if row["kind"] == EntryKind.AWARD.value and rng.random() < VISITS_WHEN_EARNING:
            days.add((row["created_at"].date(), row["user_id"]))
            last[row["user_id"]] = max(
                row["created_at"], last.get(row["user_id"], row["created_at"])
            )
    others = round(len(user_ids) * OTHER_VISITORS)
    for back in range(DAYS):
        moment = now - timedelta(days=back)
        members = bisect.bisect(joined, moment)
        for _ in range(others if members else 0):
            uid = user_ids[rng.randrange(members)]
            at = moment - timedelta(seconds=rng.randrange(3_600))
            days.add((at.date(), uid))
            last[uid] = max(at, last.get(uid, at))
    return days, last


def returns(days: Iterable[tuple[date, int]], shards: int, counter: str) -> list[dict[str, Any]]:
    """The return-day counters of (day, person) rows, as the visit and the award keep them:
    per day, previous day (NEVER for the first) and shard, how many people (`counter`)."""
    by_person: dict[int, list[date]] = defaultdict(list)
    for day, uid in days:
        by_person[uid].append(day)
    counted: Counter[tuple[date, date, int]] = Counter()
    for uid, person_days in by_person.items():
        person_days.sort()
        for since, day in zip([NEVER, *person_days], person_days, strict=False):
            counted[(day, since, uid % shards)] += 1
    return [{"day": d, "since": s, "shard": sh, counter: n} for (d, s, sh), n in counted.items()]


async def seed_visits_and_uses(
    connection: AsyncConnection,
    load: Load,
    *,
    active_days: set[tuple[date, int]],
    user_ids: Sequence[int],
    joined: Sequence[datetime],
    spends: Sequence[dict[str, Any]],
    now: datetime,
    rng: random.Random,
) -> None:
    await load(ActiveDay.__table__, ({"day": d, "user_id": u} for d, u in sorted(active_days)))
    actives: Counter[tuple[date, int]] = Counter((d, u % ACTIVE_SHARDS) for d, u in active_days)
    await load(
        DailyActives.__table__,
        ({"day": d, "shard": shard, "advocates": n} for (d, shard), n in actives.items()),
    )
    await load(ActiveReturns.__table__, iter(returns(active_days, ACTIVE_SHARDS, "advocates")))
    first_asset = await _next_id(connection, Asset.id)
    asset_ids = list(range(first_asset, first_asset + ASSETS))
    kinds = list(AssetKind)
    await load(
        Asset.__table__,
        (
            {
                "id": aid,
                "title": f"Bench asset {n + 1}",
                "kind": kinds[n % len(kinds)].value,
                "url": f"https://assets.bench.example/{n + 1}",
                "is_published": True,
                "created_at": now - timedelta(days=DAYS + 1),
                "updated_at": now - timedelta(days=DAYS + 1),
                "published_at": now - timedelta(days=DAYS + 1),
            }
            for n, aid in enumerate(asset_ids)
        ),
    )
    await load(AssetUse.__table__, _uses(user_ids, joined, asset_ids, now, rng))
    await _redemptions(connection, load, spends, now, rng)


def _uses(
    user_ids: Sequence[int],
    joined: Sequence[datetime],
    asset_ids: Sequence[int],
    now: datetime,
    rng: random.Random,
) -> Iterator[dict[str, Any]]:
    """Six in ten advocates used one to four pieces of content in the 90 days."""
    window = now - timedelta(days=DAYS)
    for uid, since in zip(user_ids, joined, strict=True):
        if rng.random() >= 0.6:
            continue
        start = max(since, window)
        span = int((now - start).total_seconds())
        for asset_id in rng.sample(list(asset_ids), rng.randint(1, 4)):
            yield {
                "asset_id": asset_id,
                "user_id": uid,
                "first_used_at": start + timedelta(seconds=rng.randrange(max(span, 1))),
                "downloads": 1,
            }


async def _redemptions(
    connection: AsyncConnection,
    load: Load,
    spends: Sequence[dict[str, Any]],
    now: datetime,
    rng: random.Random,
) -> None:
    """The redemption each spend paid for: most fulfilled within two weeks, the latest still
    waiting; a code reward's fulfilled redemptions hold a code from its pool."""
    first = await _next_id(connection, Reward.id)
    kinds = list(RewardKind)
    rewards = {first + n: kinds[n % len(kinds)] for n in range(REWARDS)}
    await load(
        Reward.__table__,
        (
            {
                "id": rid,
                "title": f"Bench reward {rid - first + 1}",
                "kind": kind.value,
                "cost": 500,
                "uses_code_pool": kind == RewardKind.CODE,
                "created_at": now - timedelta(days=DAYS + 1),
            }
            for rid, kind in rewards.items()
        ),
    )
    rows, coded = [], []
    for spend in spends:
        asked = spend["created_at"]
        reward_id = rng.choice(list(rewards))
        approved = asked + timedelta(hours=rng.randrange(1, 48))
        fulfilled = approved + timedelta(hours=rng.randrange(1, 14 * 24))
        status = (
            RedemptionStatus.FULFILLED
            if fulfilled <= now
            else RedemptionStatus.APPROVED
            if approved <= now
            else RedemptionStatus.REQUESTED
        )
        rows.append(
            {
                "id": spend["source_id"],
                "user_id": spend["user_id"],
                "reward_id": reward_id,
                "cost": -spend["delta"],
                "status": status.value,
                "request_key": f"bench-redemption:{spend['source_id']}",
                "created_at": asked,
                "approved_at": approved if status != RedemptionStatus.REQUESTED else None,
                "fulfilled_at": fulfilled if status == RedemptionStatus.FULFILLED else None,
            }
        )
        if status == RedemptionStatus.FULFILLED and rewards[reward_id] == RewardKind.CODE:
            coded.append((reward_id, spend["source_id"], fulfilled))
    await load(Redemption.__table__, iter(rows))
    codes = [
        {
            "reward_id": r,
            "code": f"BENCH-{i}",
            "redemption_id": i,
            "assigned_at": at,
            "created_at": now,
        }
        for r, i, at in coded
    ] + [
        {
            "reward_id": rid,
            "code": f"FREE-{rid}-{n}",
            "redemption_id": None,
            "assigned_at": None,
            "created_at": now,
        }
        for rid, kind in rewards.items()
        if kind == RewardKind.CODE
        for n in range(FREE_CODES)
    ]
    await load(RewardCode.__table__, iter(codes))


async def _next_id(connection: AsyncConnection, column: Any) -> int:
    return int(await connection.scalar(select(column).order_by(column.desc()).limit(1)) or 0) + 1


async def next_redemption_id(connection: AsyncConnection) -> int:
    return await _next_id(connection, Redemption.id)
