"""Event types (marketers define them) and recording an event: the points through the ledger,
the linked challenge completed like any other entry, `AdvocacyEventRecorded` published; a
repeated idempotency key returns the first recording, also when both arrive at once."""

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal import events
from portal.advocacy.models import EventType, RecordedEvent
from portal.audit import service as audit
from portal.challenges import service as challenges
from portal.errors import Conflict, NotFound, PortalError
from portal.i18n import gettext
from portal.people.models import User
from portal.points import service as points

KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{1,59}")
MAX_POINTS = 100_000


class EventTypeKeyTaken(Conflict):
    def __init__(self, key: str) -> None:
        super().__init__(gettext("There is already an event type “%(key)s”.") % {"key": key})


class UnknownEventType(PortalError):
    status_code = 422

    def __init__(self, key: str) -> None:
        super().__init__(
            gettext("There is no active event type “%(key)s”: define it under Manage.")
            % {"key": key}
        )


@dataclass(frozen=True)
class Recorded:
    event: RecordedEvent
    replayed: bool  # the idempotency key was seen before: this is the first recording


async def list_event_types(session: AsyncSession) -> list[EventType]:
    rows = await session.scalars(
        select(EventType).options(selectinload(EventType.challenge)).order_by(EventType.key)
    )
    return list(rows)


async def create_event_type(
    session: AsyncSession,
    *,
    actor: User,
    key: str,
    name: str,
    points: int,
    challenge_id: int | None,
) -> EventType:
    event_type = EventType(key=key, name=name, points=points, challenge_id=challenge_id)
    try:
        async with session.begin_nested():
            session.add(event_type)
            await session.flush()
    except IntegrityError as error:
        raise EventTypeKeyTaken(key) from error
    await audit.record(
        session,
        actor=actor,
        action="advocacy.event_type_created",
        target_type="advocacy_event_type",
        target_id=event_type.id,
        summary=f"Event type {key} ({points} points)",
    )
    return event_type


async def set_event_type_active(
    session: AsyncSession, *, actor: User, event_type_id: int, active: bool
) -> EventType:
    event_type = await session.get(EventType, event_type_id)
    if event_type is None:
        raise NotFound()
    event_type.active = active
    await audit.record(
        session,
        actor=actor,
        action="advocacy.event_type_" + ("enabled" if active else "disabled"),
        target_type="advocacy_event_type",
        target_id=event_type.id,
        summary=f"Event type {event_type.key} {'enabled' if active else 'disabled'}",
    )
    await session.flush()
    return event_type


async def _earlier(session: AsyncSession, idempotency_key: str) -> RecordedEvent | None:
    return await session.scalar(
        select(RecordedEvent)
        .where(RecordedEvent.idempotency_key == idempotency_key)
        .options(selectinload(RecordedEvent.event_type))
    )


async def record_event(
    session: AsyncSession, *, user: User, type_key: str, idempotency_key: str
) -> Recorded:
    if (earlier := await _earlier(session, idempotency_key)) is not None:
        return Recorded(earlier, replayed=True)
    event_type = await session.scalar(
        select(EventType).where(EventType.key == type_key, EventType.active.is_(True))
    )
    if event_type is None:
        raise UnknownEventType(type_key)
    recorded = RecordedEvent(
        event_type_id=event_type.id,
        event_type=event_type,
        user_id=user.id,
        idempotency_key=idempotency_key,
        points=event_type.points,
    )
    try:
        async with session.begin_nested():
            session.add(recorded)
            await session.flush()
    except IntegrityError:  # the same key at once: the first one won (it has committed)
        if (earlier := await _earlier(session, idempotency_key)) is None:
            raise
        return Recorded(earlier, replayed=True)
    if event_type.points > 0:
        await points.award(
            session,
            user,
            points=event_type.points,
            reason=event_type.name,
            key=f"advocacy-event:{recorded.id}",
            source=points.Source("advocacy_event", recorded.id),
        )
    if event_type.challenge_id is not None:
        entry = await challenges.record_reported_completion(
            session,
            user=user,
            challenge_id=event_type.challenge_id,
            key=f"advocacy-event:{recorded.id}",
            response={"event": event_type.key},
        )
        recorded.completed_challenge_id = entry.challenge_id if entry else None
    await events.publish(
        session,
        events.AdvocacyEventRecorded(
            recorded_id=recorded.id,
            user_id=user.id,
            event_type=event_type.key,
            points=event_type.points,
        ),
    )
    await session.flush()
    return Recorded(recorded, replayed=False)
