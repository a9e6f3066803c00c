"""Rescoring with a what-if replay: before a marketer changes a level (its threshold or its earn
multiplier), the awards of the last N days are replayed under the levels as proposed, person by
person in time order (each award's base is its points before the multiplier it was paid at; the
multiplier it would get is that of the level the person would then have been at). The preview
shows the difference: points issued, liability, who changes level, the leaderboard's movement.
Applied "from now on", only the level changes. Applied "also past events", a run (a job, its
progress on its page) posts one adjustment per person for the difference, keyed by run and
person: old rows are never edited, and a second run of the job adjusts nobody twice."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from portal.clock import utcnow
from portal.errors import NotFound
from portal.jobs import enqueue
from portal.people.models import User
from portal.points.models import Balance, EntryKind, EntryState, LedgerEntry, Level, RescoreRun
from portal.points.service.holds import earning_of
from portal.points.service.ledger import post_entry
from portal.points.service.rules import Earning
from portal.points.service.tiers import multiplied

DEFAULT_DAYS = 90
MAX_DAYS = 365
BATCH = 200
RUN_KEY = "rescore:"  # its adjustments' keys: rescore:<run>:<user>


@dataclass(frozen=True)
class ProposedLevel:
    id: int | None
    name: str
    min_points: int
    percent: int
    multiplies: frozenset[str]

    @classmethod
    def of(cls, level: Level) -> "ProposedLevel":
        return cls(
            level.id,
            level.name,
            level.min_points,
            level.multiplier_percent,
            level.multiplied_sources,
        )

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "min_points": self.min_points,
            "percent": self.percent,
            "multiplies": sorted(self.multiplies),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ProposedLevel":
        return cls(
            data["id"],
            data["name"],
            data["min_points"],
            data["percent"],
            frozenset(data["multiplies"]),
        )


def level_for(levels: list[ProposedLevel], lifetime: int, floor: int) -> ProposedLevel | None:
    standing = max(lifetime, floor)
    reached = [
        level
        for level in sorted(levels, key=lambda proposed: proposed.min_points)
        if level.min_points <= standing
    ]
    return reached[-1] if reached else None


@dataclass
class Person:
    """One person's replay: lifetime points at the window's start and now, as paid and as the
    proposal would have paid, and the points issued in the window both ways."""

    user_id: int
    name: str
    floor: int  # the points of the floor level a marketer keeps them at (0: none)
    lifetime: int = 0
    proposed_lifetime: int = 0
    issued: int = 0
    proposed_issued: int = 0

    @property
    def difference(self) -> int:
        return self.proposed_issued - self.issued


@dataclass(frozen=True)
class LevelChange:
    name: str
    level_now: str
    level_from_now_on: str
    level_with_past: str


@dataclass(frozen=True)
class Movement:
    name: str
    rank_now: int
    rank_with_past: int


@dataclass(frozen=True)
class WhatIf:
    days: int
    issued: int
    proposed_issued: int
    liability: int  # points to spend, in all, now
    people: list[Person] = field(default_factory=list)  # those whose points would change
    level_changes: list[LevelChange] = field(default_factory=list)
    movements: list[Movement] = field(default_factory=list)  # the all-time board's top moves

    @property
    def difference(self) -> int:
        return self.proposed_issued - self.issued


def _earning(source_type: str | None, key: str, original_key: str | None) -> Earning | None:
    earning = earning_of(source_type)
    if earning is Earning.REFERRAL and (original_key or key).endswith(":stage:won"):
        return Earning.REFERRAL_WON
    return earning


async def replay(
    session: AsyncSession,
    levels: list[ProposedLevel],
    *,
    start: datetime,
    end: datetime,
    user_ids: list[int] | None = None,
) -> dict[int, Person]:
    """Each person's awards from `start` to `end` replayed under `levels`."""
    people: dict[int, Person] = {}
    floors = {level.id: level.min_points for level in await session.scalars(select(Level))}
    rows = select(User.id, User.display_name, Balance.floor_level_id).join(
        Balance, Balance.user_id == User.id
    )
    if user_ids is not None:
        rows = rows.where(User.id.in_(user_ids))
    for user_id, name, floor_id in await session.execute(rows):
        people[user_id] = Person(user_id, name, floors.get(floor_id, 0) if floor_id else 0)
    # Lifetime points at the window's start, summed by the database; the rows after it, read.
    before = select(LedgerEntry.user_id, func.sum(LedgerEntry.delta)).where(
        LedgerEntry.state == EntryState.POSTED,
        LedgerEntry.counts_toward_lifetime,
        LedgerEntry.created_at < start,
    )
    original = aliased(LedgerEntry)
    window = (
        select(
            LedgerEntry.user_id,
            LedgerEntry.kind,
            LedgerEntry.delta,
            LedgerEntry.counts_toward_lifetime,
            LedgerEntry.source_type,
            LedgerEntry.idempotency_key,
            LedgerEntry.multiplier_percent,
            original.idempotency_key,
        )
        .outerjoin(original, original.id == LedgerEntry.original_id)
        .where(
            LedgerEntry.state == EntryState.POSTED,
            LedgerEntry.created_at >= start,
            LedgerEntry.created_at < end,
        )
        .order_by(LedgerEntry.user_id, LedgerEntry.id)
    )
    if user_ids is not None:
        before = before.where(LedgerEntry.user_id.in_(user_ids))
        window = window.where(LedgerEntry.user_id.in_(user_ids))
    for user_id, earned in await session.execute(before.group_by(LedgerEntry.user_id)):
        if (known := people.get(user_id)) is not None:
            known.lifetime = known.proposed_lifetime = int(earned or 0)
    entries = [row for row in await session.execute(window) if row[0] in people]
    for user_id, kind, delta, lifetime, source, key, percent, original_key in entries:
        person = people[user_id]
        paid = delta if lifetime else 0
        proposed = paid
        if kind == EntryKind.AWARD:
            base = round(delta * 100 / percent) if percent else delta
            earning = _earning(source, key, original_key)
            level = level_for(levels, person.proposed_lifetime, person.floor)
            if level and earning and level.percent != 100 and earning.value in level.multiplies:
                proposed = multiplied(base, level.percent)
            else:
                proposed = base
            person.issued += delta
            person.proposed_issued += proposed
        elif kind == EntryKind.ADJUST and key.startswith(RUN_KEY):
            person.issued += delta  # an earlier rescoring: paid, and the proposal replaces it
            proposed = 0
        person.lifetime += paid
        person.proposed_lifetime += proposed
    return people


async def what_if(
    session: AsyncSession, levels: list[ProposedLevel], *, days: int = DEFAULT_DAYS
) -> WhatIf:
    """The preview: the last `days` replayed under `levels`, against what was paid."""
    now = utcnow()
    people = await replay(session, levels, start=now - timedelta(days=days), end=now)
    current = [ProposedLevel.of(level) for level in await session.scalars(select(Level))]
    changes = []
    for person in people.values():
        was = level_for(current, person.lifetime, person.floor)
        from_now = level_for(levels, person.lifetime, person.floor)
        with_past = level_for(levels, person.proposed_lifetime, person.floor)
        names = [level.name if level else "" for level in (was, from_now, with_past)]
        if len(set(names)) > 1:
            changes.append(LevelChange(person.name, *names))
    liability = sum(await session.scalars(select(Balance.current)))
    return WhatIf(
        days=days,
        issued=sum(p.issued for p in people.values()),
        proposed_issued=sum(p.proposed_issued for p in people.values()),
        liability=liability,
        people=sorted(
            (p for p in people.values() if p.difference), key=lambda p: (-abs(p.difference), p.name)
        ),
        level_changes=sorted(changes, key=lambda c: c.name),
        movements=_movements(list(people.values())),
    )


def _movements(people: list[Person], top: int = 10) -> list[Movement]:
    """The all-time board's places that change, among the top `top` either way."""
    now = {
        p.user_id: rank
        for rank, p in enumerate(sorted(people, key=lambda p: (-p.lifetime, p.user_id)), 1)
    }
    after = {
        p.user_id: rank
        for rank, p in enumerate(sorted(people, key=lambda p: (-p.proposed_lifetime, p.user_id)), 1)
    }
    moved = [
        Movement(p.name, now[p.user_id], after[p.user_id])
        for p in people
        if now[p.user_id] != after[p.user_id] and min(now[p.user_id], after[p.user_id]) <= top
    ]
    return sorted(moved, key=lambda m: m.rank_with_past)


async def start_run(
    session: AsyncSession, levels: list[ProposedLevel], *, actor: User, days: int, summary: str
) -> RescoreRun:
    """Records a run over the last `days` and queues its job (after the commit)."""
    now = utcnow()
    run = RescoreRun(
        actor_id=actor.id,
        summary=summary[:200],
        levels=[level.as_json() for level in levels],
        window_start=now - timedelta(days=days),
        window_end=now,
        status="queued",
        people=0,
        done=0,
        points=0,
    )
    session.add(run)
    await session.flush()
    enqueue(session, "rescore_points", run_id=run.id, job_id=f"rescore_points:{run.id}")
    return run


async def recent_runs(session: AsyncSession, limit: int = 5) -> list[RescoreRun]:
    return list(
        await session.scalars(select(RescoreRun).order_by(RescoreRun.id.desc()).limit(limit))
    )


async def access_run(session: AsyncSession, run_id: int) -> RescoreRun:
    run = await session.get(RescoreRun, run_id, populate_existing=True)
    if run is None:
        raise NotFound()
    return run


async def rescore_batch(session: AsyncSession, run_id: int, *, after: int) -> int | None:
    """Adjusts the people after user id `after` (one batch); the last user id done, or None
    when none are left (the run is then done). Keys make a second pass a replay."""
    run = await session.get_one(RescoreRun, run_id, with_for_update=True)
    levels = [ProposedLevel.from_json(level) for level in run.levels]
    ids = list(
        await session.scalars(
            select(Balance.user_id)
            .where(Balance.user_id > after)
            .order_by(Balance.user_id)
            .limit(BATCH)
        )
    )
    if not ids:
        run.status = "done"
        return None
    people = await replay(session, levels, start=run.window_start, end=run.window_end, user_ids=ids)
    if run.status == "queued":
        run.status = "running"
        run.people = sum(
            1
            for p in (
                await replay(session, levels, start=run.window_start, end=run.window_end)
            ).values()
            if p.difference
        )
    for person in people.values():
        if not person.difference:
            continue
        user = await session.get_one(User, person.user_id)
        current = (await session.get_one(Balance, person.user_id)).current
        amount = max(person.difference, -current)  # a balance never goes below 0
        if amount:
            posted = await post_entry(
                session,
                user,
                EntryKind.ADJUST,
                amount,
                reason=f"Rescored: {run.summary}"[:200],
                key=f"{RUN_KEY}{run.id}:{person.user_id}",
                source=None,
                actor=None,
                counts_toward_lifetime=True,
            )
            if not posted.replayed:
                run.points += amount
                run.done += 1
    return ids[-1]
