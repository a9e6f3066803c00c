"""`portal seed-bench`'s activity beyond points, for the report benchmarks: challenges and their
entries (approved, rejected or waiting), and referrals with their stage history and deal values,
spread over the same 90 days as the ledger. Rows are written as the services would leave them;
the points those acts paid are not added to the ledger (the ledger has its own million rows)."""

import random
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from portal.challenges.models import (
    Challenge,
    ChallengeStatus,
    ChallengeType,
    Submission,
    SubmissionStatus,
)
from portal.referrals.models import PIPELINE, CloseReason, Referral, ReferralEvent, Source, Stage

DAYS = 90
CHALLENGES = 40
BENCH_PROSPECTS = "prospect.bench.example"

Load = Callable[[Any, Iterator[dict[str, Any]]], Any]


async def seed_activity(
    connection: AsyncConnection,
    load: Load,
    *,
    user_ids: Sequence[int],
    entries: int,
    referrals: int,
    now: datetime,
    rng: random.Random,
) -> None:
    types = list(ChallengeType)
    first = (
        await connection.scalar(select(Challenge.id).order_by(Challenge.id.desc()).limit(1)) or 0
    ) + 1
    challenge_ids = list(range(first, first + CHALLENGES))
    await load(
        Challenge.__table__,
        (
            {
                "id": cid,
                "title": f"Bench challenge {n + 1}",
                "type": types[n % len(types)].value,
                "points": 50,
                "status": ChallengeStatus.PUBLISHED.value,
                "max_per_user": 1000,
                "settings": {},
                "created_at": now - timedelta(days=DAYS + 1),
                "updated_at": now - timedelta(days=DAYS + 1),
            }
            for n, cid in enumerate(challenge_ids)
        ),
    )
    await load(Submission.__table__, _entries(user_ids, challenge_ids, entries, now, rng))
    first_referral = (
        await connection.scalar(select(Referral.id).order_by(Referral.id.desc()).limit(1)) or 0
    ) + 1
    made = [_referral(first_referral + n, user_ids, now, rng) for n in range(referrals)]
    await load(Referral.__table__, (row for row, _ in made))
    await load(ReferralEvent.__table__, (event for _, events in made for event in events))


def _moment(now: datetime, rng: random.Random) -> datetime:
    return now - timedelta(seconds=rng.randrange(DAYS * 86_400))


def _entries(
    user_ids: Sequence[int],
    challenge_ids: Sequence[int],
    count: int,
    now: datetime,
    rng: random.Random,
) -> Iterator[dict[str, Any]]:
    for n in range(count):
        created = _moment(now, rng)
        roll = rng.random()
        status = (
            SubmissionStatus.APPROVED
            if roll < 0.8
            else SubmissionStatus.REJECTED
            if roll < 0.9
            else SubmissionStatus.PENDING
        )
        decided = created + timedelta(hours=rng.randrange(1, 72))
        yield {
            "challenge_id": rng.choice(challenge_ids),
            "user_id": rng.choice(user_ids),
            "status": status.value,
            "response": {},
            "request_key": f"bench-entry:{n}",
            "points": 50,
            "created_at": created,
            "decided_at": None if status == SubmissionStatus.PENDING or decided > now else decided,
        }


def _referral(
    referral_id: int, user_ids: Sequence[int], now: datetime, rng: random.Random
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A referral and its moves: most stop early, some are won, a few are lost or rejected."""
    created = _moment(now, rng)
    furthest = rng.choices(range(len(PIPELINE)), weights=(30, 25, 20, 13, 12))[0]
    closed = Stage.LOST if rng.random() < 0.15 else None
    at, stage, reached = created, Stage.SUBMITTED, Stage.SUBMITTED
    events: list[dict[str, Any]] = []
    for to in [*PIPELINE[: furthest + 1], *([closed] if closed and furthest < 4 else [])]:
        if to != Stage.SUBMITTED:
            at += timedelta(hours=rng.randrange(6, 24 * 12))
        if at > now:
            break
        events.append(
            {
                "referral_id": referral_id,
                "from_stage": None if to == Stage.SUBMITTED else stage.value,
                "to_stage": to.value,
                "reason": CloseReason.NOT_A_FIT.value if to == Stage.LOST else None,
                "created_at": at,
            }
        )
        stage = to
        reached = to if to in PIPELINE else reached
    row = {
        "id": referral_id,
        "referrer_id": rng.choice(user_ids),
        "prospect_name": f"Prospect {referral_id}",
        "prospect_email": f"p{referral_id}@{referral_id % 2_000}.{BENCH_PROSPECTS}",
        "source": rng.choice(list(Source)).value,
        "stage": stage.value,
        "reached_stage": reached.value,
        "close_reason": CloseReason.NOT_A_FIT.value if stage == Stage.LOST else None,
        "deal_value": rng.randrange(1_000, 100_000, 500) if furthest >= 3 else None,
        "created_at": created,
        "updated_at": at if at <= now else created,
    }
    return row, events
