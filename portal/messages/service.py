"""Broadcasts: writing one down for now or later, who it goes to, and sending it a batch at a
time. Each batch is its own transaction (a job), so a program of any size is never held in one
transaction; a batch claims its people in `broadcast_deliveries` first, so a retried batch or
two workers on the same one reach each person once."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit import service as audit
from portal.errors import NotFound, PortalError
from portal.i18n import N_
from portal.jobs import enqueue
from portal.messages import copies
from portal.messages.models import (
    Audience,
    Broadcast,
    BroadcastGroup,
    BroadcastPerson,
    BroadcastStatus,
)
from portal.people.models import Group, GroupMember, Role, User, UserRole, UserStatus
from portal.sanitize import clean_html, plain_text


class InvalidBroadcast(PortalError):
    status_code = 422

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def audience_query(
    audience: Audience,
    *,
    group_ids: Iterable[int] = (),
    person_ids: Iterable[int] = (),
    people: Select[Any] | None = None,
) -> Select[int]:
    """The ids of the active advocates a broadcast reaches. Groups are read through their
    membership rows, whichever way a group fills them; chosen people are a list of ids or a
    query of ids (a People table view), of whom only active advocates are reached."""
    query = select(User.id).where(
        User.status == UserStatus.ACTIVE, User.roles.any(UserRole.role == Role.ADVOCATE)
    )
    if audience == Audience.GROUPS:
        members = select(GroupMember.user_id).where(GroupMember.group_id.in_(list(group_ids)))
        query = query.where(User.id.in_(members))
    elif audience == Audience.PEOPLE:
        query = query.where(User.id.in_(people if people is not None else list(person_ids)))
    return query


async def count_audience(
    session: AsyncSession,
    audience: Audience,
    *,
    group_ids: Iterable[int] = (),
    person_ids: Iterable[int] = (),
    people: Select[Any] | None = None,
) -> int:
    query = audience_query(audience, group_ids=group_ids, person_ids=person_ids, people=people)
    return await session.scalar(select(func.count()).select_from(query.subquery())) or 0


def check_message(subject: str, body: str) -> tuple[str, str]:
    """The subject on one line and the body cleaned, or InvalidBroadcast naming the field."""
    subject = " ".join(subject.split())
    if not subject:
        raise InvalidBroadcast("subject", N_("Give the message a subject."))
    if len(subject) > 200:
        raise InvalidBroadcast("subject", N_("Keep the subject under 200 characters."))
    body_html = clean_html(body)
    if not plain_text(body_html):
        raise InvalidBroadcast("body", N_("Write the message."))
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
    people: Select[Any] | None = None,
    audience_note: str = "",
    send_at: datetime | None,
    time_zone: str = "UTC",
    now: datetime,
) -> Broadcast:
    """A broadcast to send now (`send_at` None) or at a moment still to come. Groups must exist;
    `person_ids` or the query `people` (the ticked rows or a view of the People table) name who
    it goes to: the active advocates among them when it is written down, kept with one
    INSERT … SELECT whatever their number. `audience_note` says in words where they came from."""
    subject, body_html = check_message(subject, body)
    group_ids, person_ids = sorted(set(group_ids)), sorted(set(person_ids))
    if audience == Audience.GROUPS:
        if not group_ids:
            raise InvalidBroadcast("groups", N_("Tick at least one group, or send it to everyone."))
        found = set(await session.scalars(select(Group.id).where(Group.id.in_(group_ids))))
        if found != set(group_ids):
            raise InvalidBroadcast("groups", N_("One of the ticked groups no longer exists."))
    chosen = None
    if audience == Audience.PEOPLE:
        chosen = audience_query(audience, person_ids=person_ids, people=people)
        if not await session.scalar(select(chosen.exists())):
            raise InvalidBroadcast(
                "audience", N_("Nobody to send it to: no active advocate is chosen.")
            )
    if send_at is not None and send_at <= now:
        raise InvalidBroadcast("send_at", N_("Choose a moment in the future, or send it now."))
    broadcast = Broadcast(
        subject=subject,
        body_html=body_html,
        audience=audience,
        status=BroadcastStatus.SCHEDULED,
        send_at=send_at or now,
        time_zone=time_zone,
        author_id=author.id,
        audience_note=audience_note[:200],
    )
    session.add(broadcast)
    await session.flush()
    session.add_all(BroadcastGroup(broadcast_id=broadcast.id, group_id=g) for g in group_ids)
    if chosen is not None:
        ids = chosen.subquery()
        await session.execute(
            insert(BroadcastPerson).from_select(
                ["broadcast_id", "user_id"],
                select(bindparam("broadcast_id", broadcast.id), ids.c.id),
            )
        )
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
    message = N_("This message is already on its way: it can no longer be cancelled.")


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
    people: Select[Any] | None = None,
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
            raise InvalidBroadcast("preview_as", N_("No advocate has this email address."))
        person = found
    query = audience_query(audience, group_ids=group_ids, people=people)
    in_audience = await session.scalar(select(query.where(User.id == person.id).exists()))
    return Preview(
        person=person,
        copy=copies.preview_copy(Broadcast(subject=subject, body_html=body_html), person),
        audience_size=await count_audience(session, audience, group_ids=group_ids, people=people),
        person_in_audience=bool(in_audience),
    )
