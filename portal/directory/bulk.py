"""Bulk actions on many people at once, from the People table: on the ticked rows or on the
whole filtered set. Each person goes through the same service a one-person action uses (its
rules, its audit row, its email through the outbox), so a bulk action can do nothing that one
click could not; whoever the rules refuse is skipped and counted with the reason.

Points go through the ledger with a key per action and person (`bulk:<action key>:user:<id>`):
the action key is drawn when the confirmation is shown, so confirming twice (a double click, a
reload, a retry) awards each person once."""

import re
import secrets
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal.audit import service as audit
from portal.auth import service as auth
from portal.directory import query
from portal.directory.filters import PeopleFilter
from portal.errors import PortalError
from portal.groups import service as groups
from portal.i18n import N_
from portal.people.models import Group, User, UserStatus
from portal.points import service as points

BATCH = 500  # people loaded at a time, so the whole filtered set never sits in memory at once
ACTION_KEY = re.compile(r"[A-Za-z0-9_-]{16}")
MAX_BULK_POINTS = 100_000


class BulkAction(StrEnum):
    ADD_TO_GROUP = "add_to_group"
    REMOVE_FROM_GROUP = "remove_from_group"
    INVITE_AGAIN = "invite_again"
    AWARD_POINTS = "award_points"
    SUSPEND = "suspend"
    SEND_MESSAGE = "send_message"  # a broadcast to them: written on its own page, then sent

    @property
    def label(self) -> str:
        return {
            "add_to_group": N_("Add to group"),
            "remove_from_group": N_("Remove from group"),
            "invite_again": N_("Send a new invitation"),
            "award_points": N_("Award points"),
            "suspend": N_("Suspend"),
            "send_message": N_("Send a message"),
        }[self.value]

    @property
    def needs_group(self) -> bool:
        return self in (BulkAction.ADD_TO_GROUP, BulkAction.REMOVE_FROM_GROUP)


@dataclass(frozen=True)
class BulkRequest:
    action: BulkAction
    group: Group | None = None
    points: int = 0
    reason: str = ""

    def describe(self, count: int) -> str:
        """The confirmation's question, with the count."""
        people = f"{count:,} {'person' if count == 1 else 'people'}"
        group = self.group.name if self.group else ""
        return {
            BulkAction.ADD_TO_GROUP: f"Add {people} to {group}?",
            BulkAction.REMOVE_FROM_GROUP: f"Remove {people} from {group}?",
            BulkAction.INVITE_AGAIN: f"Send a new invitation to {people}?",
            BulkAction.AWARD_POINTS: f"Award {self.points:,} points to {people}?",
            BulkAction.SUSPEND: f"Suspend {people} and sign them out?",
            BulkAction.SEND_MESSAGE: f"Send a message to {people}?",
        }[self.action]


@dataclass
class BulkOutcome:
    action: BulkAction
    done: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        verb = {
            BulkAction.ADD_TO_GROUP: "added to the group",
            BulkAction.REMOVE_FROM_GROUP: "removed from the group",
            BulkAction.INVITE_AGAIN: "sent a new invitation",
            BulkAction.AWARD_POINTS: "awarded points",
            BulkAction.SUSPEND: "suspended",
            BulkAction.SEND_MESSAGE: "sent the message",
        }[self.action]
        text = f"{self.done:,} {'person' if self.done == 1 else 'people'} {verb}."
        if self.skipped:
            reasons = "; ".join(f"{reason} ({count})" for reason, count in self.skipped.items())
            text += f" Skipped {sum(self.skipped.values()):,}: {reasons}"
        return text


def new_action_key() -> str:
    return secrets.token_urlsafe(12)


def valid_action_key(key: str) -> bool:
    return ACTION_KEY.fullmatch(key) is not None


@dataclass(frozen=True)
class Targets:
    """The ids a bulk action acts on, as a query (the filtered set can be everyone), and how
    many they are."""

    ids: Select[Any]
    count: int

    async def listed(self, session: AsyncSession) -> list[int]:
        return sorted(await session.scalars(self.ids))


async def targets(
    session: AsyncSession, *, everyone: bool, chosen: PeopleFilter, user_ids: list[int]
) -> Targets:
    """Everyone the filter matches, or the ticked ids that still name someone."""
    if everyone:
        ids = await query.filtered_query(session, chosen)
    else:
        ids = select(User.id).where(User.id.in_(user_ids))
    count = await session.scalar(select(func.count()).select_from(ids.subquery()))
    return Targets(ids, count or 0)


async def run_bulk(
    session: AsyncSession,
    *,
    staff: User,
    request: BulkRequest,
    user_ids: list[int],
    action_key: str,
) -> BulkOutcome:
    """Acts on a few people in this transaction (the ticked rows; a larger set is a BulkRun)."""
    outcome = BulkOutcome(request.action)
    for start in range(0, len(user_ids), BATCH):
        await act_on_batch(
            session,
            staff=staff,
            request=request,
            user_ids=user_ids[start : start + BATCH],
            action_key=action_key,
            into=outcome,
        )
    await record_outcome(session, staff=staff, request=request, outcome=outcome, key=action_key)
    return outcome


async def act_on_batch(
    session: AsyncSession,
    *,
    staff: User,
    request: BulkRequest,
    user_ids: list[int],
    action_key: str,
    into: BulkOutcome,
) -> None:
    """Acts on up to BATCH people, counting who was done and who skipped and why."""
    people = list(
        await session.scalars(
            select(User)
            .where(User.id.in_(user_ids))
            .options(selectinload(User.roles))
            .order_by(User.id)
        )
    )
    if request.action.needs_group:
        await _group_change(session, staff=staff, request=request, people=people, into=into)
        return
    for person in people:
        try:
            acted = await _act_on(session, staff, request, person, action_key)
        except PortalError as error:
            into.skipped[error.message.rstrip(".")] += 1
        else:
            if acted:
                into.done += 1
            else:
                into.skipped["not waiting for an invitation"] += 1


async def record_outcome(
    session: AsyncSession, *, staff: User, request: BulkRequest, outcome: BulkOutcome, key: str
) -> None:
    await audit.record(
        session,
        actor=staff,
        action=f"people.bulk_{request.action.value}",
        target_type="user",
        target_id=None,
        summary=outcome.summary(),
        after={"key": key, "points": request.points, "reason": request.reason},
    )


async def _group_change(
    session: AsyncSession,
    *,
    staff: User,
    request: BulkRequest,
    people: list[User],
    into: BulkOutcome,
) -> None:
    assert request.group is not None  # noqa: S101 (parse_bulk requires it)
    if request.action is BulkAction.ADD_TO_GROUP:
        added = await groups.add_members(session, staff=staff, group=request.group, users=people)
        into.done += added
        into.skipped["already in the group"] += len(people) - added
    else:
        removed = await groups.remove_members(
            session, staff=staff, group=request.group, user_ids=[p.id for p in people]
        )
        into.done += removed
        into.skipped["not in the group"] += len(people) - removed
    into.skipped = +into.skipped  # drop reasons that counted nobody


async def _act_on(
    session: AsyncSession, staff: User, request: BulkRequest, person: User, action_key: str
) -> bool:
    if request.action is BulkAction.INVITE_AGAIN:
        if person.status != UserStatus.INVITED:
            return False
        await auth.invite(
            session,
            inviter=staff,
            email=person.email,
            display_name=person.display_name,
            roles=person.role_set,
        )
    elif request.action is BulkAction.AWARD_POINTS:
        if person.id == staff.id:
            raise PortalError("your own points: a colleague must award them")
        await points.award(
            session,
            person,
            points=request.points,
            reason=request.reason,
            key=f"bulk:{action_key}:user:{person.id}",
            actor=staff,
        )
    elif request.action is BulkAction.SUSPEND:
        await auth.suspend_user(session, actor=staff, user=person)
    else:  # a message is a broadcast (portal.directory.message), never a loop over people
        raise ValueError(f"{request.action} is not a per-person action")
    return True
