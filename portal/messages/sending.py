"""Sending a broadcast: starting it once, then a batch of BATCH people per job, each its own
transaction, until the audience is done; and the sweep that starts due ones and resumes one
whose batch job was lost."""

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from portal import events, links
from portal.clock import utcnow
from portal.jobs import enqueue
from portal.messages import copies
from portal.messages.models import (
    Audience,
    Broadcast,
    BroadcastGroup,
    BroadcastPerson,
    BroadcastStatus,
    Delivery,
)
from portal.messages.service import access_broadcast
from portal.notifications import service as notifications
from portal.outbox import bulk as outbox
from portal.outbox.models import EmailCategory, EmailOptOut
from portal.people.models import GroupMember, Role, User, UserRole, UserStatus

BATCH = 500
# A broadcast still sending whose last batch is older than this lost its job: the sweep resumes it.
STALLED = timedelta(minutes=5)


def _audience_of(broadcast: Broadcast) -> Select[int]:
    query = select(User.id).where(
        User.status == UserStatus.ACTIVE, User.roles.any(UserRole.role == Role.ADVOCATE)
    )
    if broadcast.audience == Audience.GROUPS:
        groups = select(BroadcastGroup.group_id).where(BroadcastGroup.broadcast_id == broadcast.id)
        members = select(GroupMember.user_id).where(GroupMember.group_id.in_(groups))
        query = query.where(User.id.in_(members))
    elif broadcast.audience == Audience.PEOPLE:
        chosen = select(BroadcastPerson.user_id).where(BroadcastPerson.broadcast_id == broadcast.id)
        query = query.where(User.id.in_(chosen))
    return query


async def start(session: AsyncSession, broadcast_id: int, *, now: datetime) -> bool:
    """Moves a due broadcast to sending (once, whoever asks first), lets the audience's keepers
    resolve it (`BroadcastStarting`), counts it and queues its first batch; False when it is not
    due or already started."""
    started = await session.execute(
        update(Broadcast)
        .where(
            Broadcast.id == broadcast_id,
            Broadcast.status == BroadcastStatus.SCHEDULED,
            Broadcast.send_at <= now,
        )
        .values(status=BroadcastStatus.SENDING, started_at=now)
        .execution_options(synchronize_session=False)
    )
    if started.rowcount != 1:  # type: ignore[attr-defined]
        return False
    await events.publish(session, events.BroadcastStarting(broadcast_id=broadcast_id))
    broadcast = await access_broadcast(session, broadcast_id)
    await session.refresh(broadcast)
    audience = _audience_of(broadcast).subquery()
    broadcast.recipients = await session.scalar(select(func.count()).select_from(audience)) or 0
    await session.flush()
    _queue_batch(session, broadcast_id, after=0)
    return True


def _queue_batch(session: AsyncSession, broadcast_id: int, *, after: int) -> None:
    enqueue(
        session,
        "deliver_broadcast",
        broadcast_id=broadcast_id,
        after=after,
        job_id=f"deliver_broadcast:{broadcast_id}:{after}",
    )


def _insert(session: AsyncSession) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


async def deliver_batch(session: AsyncSession, broadcast_id: int, *, after: int) -> int:
    """Delivers the broadcast to the next BATCH people after user id `after` and queues the
    batch after them; at the end of the audience marks it sent. Returns how many it reached
    (people another run reached first are skipped)."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None or broadcast.status != BroadcastStatus.SENDING:
        return 0
    user_ids = list(
        await session.scalars(
            _audience_of(broadcast).where(User.id > after).order_by(User.id).limit(BATCH)
        )
    )
    if not user_ids:
        broadcast.status = BroadcastStatus.SENT
        broadcast.finished_at = utcnow()
        await session.flush()
        return 0
    news_off = set(
        await session.scalars(
            select(EmailOptOut.user_id).where(
                EmailOptOut.category == EmailCategory.NEWS, EmailOptOut.user_id.in_(user_ids)
            )
        )
    )
    rows = [
        {
            "broadcast_id": broadcast_id,
            "user_id": user_id,
            "token": secrets.token_urlsafe(16),
            "emailed": user_id not in news_off,
        }
        for user_id in user_ids
    ]
    claimed = dict(
        (
            await session.execute(
                _insert(session)(Delivery)
                .values(rows)
                .on_conflict_do_nothing()
                .returning(Delivery.user_id, Delivery.token)
            )
        ).all()
    )
    people = list(await session.scalars(select(User).where(User.id.in_(list(claimed)))))
    prepared = copies.Prepared.of(broadcast)
    personal = {p.id: prepared.copy_for(p, token=claimed[p.id], absolute=True) for p in people}
    await notifications.notify_each(
        session,
        titles={user_id: copy.subject for user_id, copy in personal.items()},
        kind="broadcast",
        link=links.path_for("messages:read", broadcast_id=broadcast_id),
    )
    read_url = links.absolute_url("messages:read", broadcast_id=broadcast_id)
    await outbox.queue_many(
        session,
        kind="broadcast",
        category=EmailCategory.NEWS,
        addressees=[
            outbox.Addressee(
                to=person.email,
                user_id=person.id,
                context={
                    "name": person.display_name,
                    "headline": personal[person.id].subject,
                    "body_html": personal[person.id].body_html,
                    "body_text": personal[person.id].body_text,
                    "link": read_url,
                },
            )
            for person in people
            if person.id not in news_off
        ],
    )
    _queue_batch(session, broadcast_id, after=user_ids[-1])
    return len(claimed)


async def due_broadcast_ids(session: AsyncSession, *, now: datetime) -> list[int]:
    return list(
        await session.scalars(
            select(Broadcast.id).where(
                Broadcast.status == BroadcastStatus.SCHEDULED, Broadcast.send_at <= now
            )
        )
    )


async def resume_stalled(session: AsyncSession, *, now: datetime) -> int:
    """Queues the next batch of every broadcast still sending whose last delivery (or start) is
    older than STALLED: its job was lost. A batch that is only slow is harmless to queue
    again, since deliveries are claimed once."""
    last = (
        select(
            Delivery.broadcast_id,
            func.max(Delivery.user_id).label("user_id"),
            func.max(Delivery.delivered_at).label("at"),
        )
        .group_by(Delivery.broadcast_id)
        .subquery()
    )
    rows = await session.execute(
        select(Broadcast.id, last.c.user_id, last.c.at, Broadcast.started_at)
        .outerjoin(last, last.c.broadcast_id == Broadcast.id)
        .where(Broadcast.status == BroadcastStatus.SENDING)
    )
    resumed = 0
    for broadcast_id, user_id, at, started_at in rows:
        moved = at or started_at
        if moved is None or moved <= now - STALLED:
            _queue_batch(session, broadcast_id, after=user_id or 0)
            resumed += 1
    return resumed
