"""Typed domain events: how one domain tells the others what happened without importing them.

A service raises an event inside its transaction (`await publish(session, AssetUsed(...))`).
Subscribers are wired in one place, `portal.subscriptions`, in one of two ways:

- `on(Event, handler)`: the handler runs at once, in the same transaction, for rules that must
  hold together with the change (a download completes the challenges linked to the item; if
  the download rolls back, so does the completion);
- `after_commit(Event, "job_name")`: the event's fields are queued as that job's arguments,
  which leave only after the commit (side effects such as webhooks: nothing is said about a
  change that rolled back, not even one rolled back to a savepoint inside the request).

Events carry ids and plain values, never ORM objects, so the same event can become a job.
"""

from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from portal.jobs import PendingJob, enqueue


@dataclass(frozen=True)
class Event:
    """Base of every domain event."""


E = TypeVar("E", bound=Event)
Handler = Callable[[AsyncSession, Any], Awaitable[None]]

_handlers: dict[type[Event], list[Handler]] = {}
_jobs: dict[type[Event], list[str]] = {}


def on(event_type: type[E], handler: Callable[[AsyncSession, E], Awaitable[None]]) -> None:
    """Run `handler(session, event)` in the transaction that raises `event_type`."""
    _handlers.setdefault(event_type, []).append(handler)


def after_commit(event_type: type[Event], job: str) -> None:
    """Queue `job(**fields of the event)` to run after the raising transaction commits."""
    _jobs.setdefault(event_type, []).append(job)


def clear() -> None:
    """Forget every subscription (the wiring installs them afresh)."""
    _handlers.clear()
    _jobs.clear()


async def publish(session: AsyncSession, event: Event) -> None:
    """Runs the event's in-transaction handlers, then queues its after-commit jobs."""
    for handler in _handlers.get(type(event), []):
        await handler(session, event)
    jobs = _jobs.get(type(event), [])
    if not jobs:
        return
    await session.connection()  # begins the transaction whose fate the jobs share
    sync = session.sync_session
    within = sync.get_nested_transaction() or sync.get_transaction()
    for job in jobs:
        enqueue(session, job, **asdict(event))
        session.info.setdefault(_RAISED_WITHIN, []).append((within, session.info["jobs"][-1]))


_RAISED_WITHIN = "event_jobs_raised_within"


@sqlalchemy_event.listens_for(Session, "after_soft_rollback")
def _drop_jobs_of_rolled_back_changes(session: Session, rolled_back: SessionTransaction) -> None:
    """A job queued inside a transaction or savepoint that rolled back would tell of a change
    that never happened (`decide_many` rolls back one item's savepoint and carries on)."""
    raised: list[tuple[SessionTransaction, PendingJob]] = session.info.get(_RAISED_WITHIN, [])
    dropped = {id(job) for within, job in raised if _inside(within, rolled_back)}
    if not dropped:
        return
    session.info[_RAISED_WITHIN] = [(w, job) for w, job in raised if id(job) not in dropped]
    session.info["jobs"] = [job for job in session.info.get("jobs", []) if id(job) not in dropped]


def _inside(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


# --- the catalogue ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AdvocateJoined(Event):
    """A person's account became active (an accepted invitation, an approved or open sign-up,
    a first single sign-on)."""

    user_id: int


@dataclass(frozen=True)
class SignedInWithSso(Event):
    """A person signed in through single sign-on for the first time (the provider proved their
    email)."""

    user_id: int


@dataclass(frozen=True)
class ProfileChanged(Event):
    """A person's answers to the custom profile fields changed (sign-up, their profile)."""

    user_id: int


@dataclass(frozen=True)
class PersonVisited(Event):
    """A person was here (written at most every few minutes per session): their last
    activity moves on."""

    user_id: int
    at: datetime


@dataclass(frozen=True)
class LevelReached(Event):
    user_id: int
    level_id: int


@dataclass(frozen=True)
class AssetUsed(Event):
    """A content item was downloaded or opened, or (`watched`) a video watched to the end."""

    user_id: int
    asset_id: int
    watched: bool


@dataclass(frozen=True)
class ShareLinkVisited(Event):
    """Someone opened an advocate's share page for a content item; `client_key` is a salted
    hash of their address, never the address."""

    advocate_id: int
    client_key: str


@dataclass(frozen=True)
class ReferralSubmitted(Event):
    referral_id: int
    referrer_id: int
    company: str


@dataclass(frozen=True)
class ReferralStageChanged(Event):
    referral_id: int
    referrer_id: int
    from_stage: str
    to_stage: str
    points: int  # what reaching the stage paid (0 when it had paid before)


@dataclass(frozen=True)
class SubmissionDecided(Event):
    submission_id: int
    challenge_id: int
    user_id: int
    status: str  # approved or rejected


@dataclass(frozen=True)
class RedemptionChanged(Event):
    redemption_id: int
    reward_id: int
    user_id: int
    status: str


@dataclass(frozen=True)
class PointsAwarded(Event):
    """Points reached a person's balance through the ledger (an award, or a positive
    adjustment); raised once per ledger row, never for a replayed idempotency key."""

    user_id: int
    entry_id: int
    points: int
    reason: str
    source_type: str | None
    source_id: int | None


@dataclass(frozen=True)
class AdvocacyEventRecorded(Event):
    """Another system reported an act of advocacy through the events API (a published review,
    an attended webinar); `event_type` is the key of a type defined in Manage."""

    recorded_id: int
    user_id: int
    event_type: str
    points: int


@dataclass(frozen=True)
class ProgramZoneChanged(Event):
    """An admin chose another time zone for the program (weeks and months now begin at its
    midnight)."""

    time_zone: str


@dataclass(frozen=True)
class BroadcastStarting(Event):
    """A broadcast due now moved to sending, before its audience is counted: whoever keeps
    who it goes to (a saved People view) writes its people down now, in this transaction."""

    broadcast_id: int


@dataclass(frozen=True)
class FriendRewardDue(Event):
    """A referral reached the stage at which its friend (the prospect) is sent their welcome
    reward (Manage → Referrals); raised on every later move too: the gift is given once."""

    referral_id: int
    email: str
    name: str
    referrer_name: str
    offer: str


@dataclass(frozen=True)
class RecruitSignedUp(Event):
    """A person signed up through an advocate's invitation link, giving the advocate's
    personal code (their account may still wait for approval)."""

    user_id: int
    recruiter_code: str
