"""Broadcasts: writing one down for now or later, who it goes to, and sending it a batch at a
time. Each batch is its own transaction (a job), so a program of any size is never held in one
transaction; a batch claims its people in `broadcast_deliveries` first, so a retried batch or
two workers on the same one reach each person once."""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from portal import links
from portal.audit import service as audit
from portal.clock import utcnow
from portal.errors import NotFound, PortalError
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
from portal.notifications import service as notifications
from portal.outbox import service as outbox
from portal.outbox.models import EmailCategory, EmailOptOut
from portal.people.models import Group, GroupMember, Role, User, UserRole, UserStatus
from portal.sanitize import clean_html, plain_text

BATCH = 500
# A broadcast still sending whose last batch is older than this lost its job: the sweep resumes it.
STALLED = timedelta(minutes=5)


class InvalidBroadcast(PortalError):
    status_code = 422

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def audience_query(
    audience: Audience, *, group_ids: Iterable[int] = (), person_ids: Iterable[int] = ()
) -> Select[int]:
    """The ids of the active advocates a broadcast reaches. Groups are read through their
    membership rows, whichever way a group fills them."""
    query = select(User.id).where(
        User.status == UserStatus.ACTIVE, User.roles.any(UserRole.role == Role.ADVOCATE)
    )
    if audience == Audience.GROUPS:
        members = select(GroupMember.user_id).where(GroupMember.group_id.in_(list(group_ids)))
        query = query.where(User.id.in_(members))
    elif audience == Audience.PEOPLE:
        query = query.where(User.id.in_(list(person_ids)))
    return query


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


async def count_audience(
    session: AsyncSession,
    audience: Audience,
    *,
    group_ids: Iterable[int] = (),
    person_ids: Iterable[int] = (),
) -> int:
    query = audience_query(audience, group_ids=group_ids, person_ids=person_ids)
    return await session.scalar(select(func.count()).select_from(query.subquery())) or 0


def check_message(subject: str, body: str) -> tuple[str, str]:
    """The subject on one line and the body cleaned, or InvalidBroadcast naming the field."""
    subject = " ".join(subject.split())
    if not subject:
        raise InvalidBroadcast("subject", "Give the message a subject.")
    if len(subject) > 200:
        raise InvalidBroadcast("subject", "Keep the subject under 200 characters.")
    body_html = clean_html(body)
    if not plain_text(body_html):
        raise InvalidBroadcast("body", "Write the message.")
    return subject, body_html


async def create_broadcast(
    session: AsyncSession,
    *,
    author: User,
    subject: str,
    body: str,
    audience: Audience,
    group_ids: Iterable[int] = (),
    person_ids: Iterable[int] = (),
    send_at: datetime | None,
    time_zone: str = "UTC",
    now: datetime,
) -> Broadcast:
    """A broadcast to send now (`send_at` None) or at a moment still to come. Groups must exist
    and `person_ids` (say, a selection on the People table) name who it goes to."""
    subject, body_html = check_message(subject, body)
    group_ids, person_ids = sorted(set(group_ids)), sorted(set(person_ids))
    if audience == Audience.GROUPS:
        if not group_ids:
            raise InvalidBroadcast("groups", "Tick at least one group, or send it to everyone.")
        found = set(await session.scalars(select(Group.id).where(Group.id.in_(group_ids))))
        if found != set(group_ids):
            raise InvalidBroadcast("groups", "One of the ticked groups no longer exists.")
    if audience == Audience.PEOPLE and not person_ids:
        raise InvalidBroadcast("audience", "Choose at least one person.")
    if send_at is not None and send_at <= now:
        raise InvalidBroadcast("send_at", "Choose a moment in the future, or send it now.")
    broadcast = Broadcast(
        subject=subject,
        body_html=body_html,
        audience=audience,
        status=BroadcastStatus.SCHEDULED,
        send_at=send_at or now,
        time_zone=time_zone,
        author_id=author.id,
    )
    session.add(broadcast)
    await session.flush()
    session.add_all(BroadcastGroup(broadcast_id=broadcast.id, group_id=g) for g in group_ids)
    session.add_all(BroadcastPerson(broadcast_id=broadcast.id, user_id=p) for p in person_ids)
    await session.flush()
    await audit.record(
        session,
        actor=author,
        action="messages.broadcast_created",
        target_type="broadcast",
        target_id=broadcast.id,
        summary=f"Message “{subject}” to {audience.value}"
        + (" now" if send_at is None else f", scheduled for {send_at:%Y-%m-%d %H:%M} UTC"),
    )
    if send_at is None:
        enqueue(
            session,
            "start_broadcast",
            broadcast_id=broadcast.id,
            job_id=f"start_broadcast:{broadcast.id}",
        )
    return broadcast


async def access_broadcast(session: AsyncSession, broadcast_id: int) -> Broadcast:
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise NotFound()
    return broadcast


def is_going_out(broadcast: Broadcast, *, now: datetime) -> bool:
    """Sending, or due and about to start: its counts are still moving."""
    return broadcast.status == BroadcastStatus.SENDING or (
        broadcast.status == BroadcastStatus.SCHEDULED and broadcast.send_at <= now
    )


async def groups_of(session: AsyncSession, broadcast: Broadcast) -> list[Group]:
    chosen = select(BroadcastGroup.group_id).where(BroadcastGroup.broadcast_id == broadcast.id)
    return list(
        await session.scalars(select(Group).where(Group.id.in_(chosen)).order_by(Group.name))
    )


class NotCancellable(PortalError):
    status_code = 409
    message = "This message is already on its way: it can no longer be cancelled."


async def cancel(session: AsyncSession, *, staff: User, broadcast_id: int) -> Broadcast:
    broadcast = await access_broadcast(session, broadcast_id)
    cancelled = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status == BroadcastStatus.SCHEDULED)
        .values(status=BroadcastStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    if cancelled.rowcount != 1:  # type: ignore[attr-defined]
        raise NotCancellable()
    await session.refresh(broadcast)
    await audit.record(
        session,
        actor=staff,
        action="messages.broadcast_cancelled",
        target_type="broadcast",
        target_id=broadcast.id,
        summary=f"Message “{broadcast.subject}” cancelled",
    )
    return broadcast


async def start(session: AsyncSession, broadcast_id: int, *, now: datetime) -> bool:
    """Moves a due broadcast to sending (once, whoever asks first), counts its audience and
    queues its first batch; False when it is not due or already started."""
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
    for person in people:
        if person.id in news_off:
            continue
        copy = personal[person.id]
        await outbox.queue_email(
            session,
            to=person.email,
            user_id=person.id,
            kind="broadcast",
            category=EmailCategory.NEWS,
            context={
                "name": person.display_name,
                "headline": copy.subject,
                "body_html": copy.body_html,
                "body_text": copy.body_text,
                "link": read_url,
            },
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


@dataclass(frozen=True)
class Preview:
    person: User
    copy: copies.Copy
    audience_size: int
    person_in_audience: bool


async def preview(
    session: AsyncSession,
    *,
    viewer: User,
    subject: str,
    body: str,
    audience: Audience,
    group_ids: Iterable[int],
    preview_as: str,
) -> Preview:
    """The message as one advocate (found by email; the viewer when none is given) would read
    it, and how many people it would reach now. Writes nothing."""
    subject, body_html = check_message(subject, body)
    person = viewer
    if preview_as:
        found = await session.scalar(
            select(User).where(
                User.email == preview_as.strip().lower(),
                User.roles.any(UserRole.role == Role.ADVOCATE),
            )
        )
        if found is None:
            raise InvalidBroadcast("preview_as", "No advocate has this email address.")
        person = found
    query = audience_query(audience, group_ids=group_ids)
    in_audience = await session.scalar(select(query.where(User.id == person.id).exists()))
    return Preview(
        person=person,
        copy=copies.preview_copy(Broadcast(subject=subject, body_html=body_html), person),
        audience_size=await count_audience(session, audience, group_ids=group_ids),
        person_in_audience=bool(in_audience),
    )
