"""A person's page for staff: everything the program knows about one person in one place
(profile and custom fields, groups, points, referrals, challenge entries, redemptions, the
messages (broadcasts, in the bell whether or not they were emailed) and emails sent to them and
the audit trail about and by them), each list its most recent rows."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal.audit.models import AuditEntry
from portal.challenges.models import Submission
from portal.messages.copies import fill_names
from portal.messages.models import Broadcast, Delivery
from portal.outbox.models import OutboxEmail
from portal.people import service as people
from portal.people.models import Group, GroupMember, ProfileField, ProfileValue, User
from portal.points import service as points
from portal.referrals.models import Referral
from portal.rewards.models import Redemption

RECENT = 20


@dataclass(frozen=True)
class SentMessage:
    """A broadcast as it reached them: its subject with their name in it, and the delivery."""

    broadcast: Broadcast
    subject: str
    delivery: Delivery


@dataclass(frozen=True)
class PersonOverview:
    person: User
    answers: list[tuple[ProfileField, str]]
    groups: list[Group]
    points: points.AccountSummary
    referrals: list[Referral]
    entries: list[Submission]
    redemptions: list[Redemption]
    messages: list[SentMessage]
    emails: list[OutboxEmail]
    audit: list[AuditEntry]


async def person_overview(session: AsyncSession, user_id: int) -> PersonOverview:
    person = await people.access_user(session, user_id)
    fields = await people.list_profile_fields(session)
    values = dict(
        (
            await session.execute(
                select(ProfileValue.field_id, ProfileValue.value).where(
                    ProfileValue.user_id == person.id
                )
            )
        ).all()
    )

    return PersonOverview(
        person=person,
        answers=[(field, values[field.id]) for field in fields if field.id in values],
        groups=list(
            await session.scalars(
                select(Group)
                .join(GroupMember, GroupMember.group_id == Group.id)
                .where(GroupMember.user_id == person.id)
                .order_by(Group.name)
            )
        ),
        points=await points.account_summary(session, person, recent=RECENT),
        referrals=await _recent(
            session,
            select(Referral)
            .where(Referral.referrer_id == person.id)
            .order_by(Referral.created_at.desc(), Referral.id.desc()),
        ),
        entries=await _recent(
            session,
            select(Submission)
            .where(Submission.user_id == person.id)
            .options(selectinload(Submission.challenge))
            .order_by(Submission.created_at.desc(), Submission.id.desc()),
        ),
        redemptions=await _recent(
            session,
            select(Redemption)
            .where(Redemption.user_id == person.id)
            .options(selectinload(Redemption.reward))
            .order_by(Redemption.created_at.desc(), Redemption.id.desc()),
        ),
        messages=await _messages_to(session, person),
        emails=await _recent(
            session,
            select(OutboxEmail)
            .where(or_(OutboxEmail.user_id == person.id, OutboxEmail.to_address == person.email))
            .order_by(OutboxEmail.created_at.desc(), OutboxEmail.id.desc()),
        ),
        audit=await _recent(
            session,
            select(AuditEntry)
            .where(
                or_(
                    (AuditEntry.target_type == "user") & (AuditEntry.target_id == person.id),
                    AuditEntry.actor_id == person.id,
                )
            )
            .options(selectinload(AuditEntry.actor))
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()),
        ),
    )


async def _recent(session: AsyncSession, statement: Select[Any]) -> list[Any]:
    return list(await session.scalars(statement.limit(RECENT)))


async def _messages_to(session: AsyncSession, person: User) -> list[SentMessage]:
    """The broadcasts that reached them, newest first: every delivery reached their bell, and
    only some their inbox too (news emails switched off)."""
    rows = await session.execute(
        select(Broadcast, Delivery)
        .join(Delivery, Delivery.broadcast_id == Broadcast.id)
        .where(Delivery.user_id == person.id)
        .order_by(Delivery.delivered_at.desc(), Delivery.id.desc())
        .limit(RECENT)
    )
    return [
        SentMessage(broadcast, fill_names(broadcast.subject, person, escape=False), delivery)
        for broadcast, delivery in rows
    ]
