"""Groups: managing them and their members (what they target: portal.people.targeting)."""

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit import service as audit
from portal.errors import Conflict, NotFound, PortalError
from portal.i18n import N_, gettext
from portal.people import service as people
from portal.people.models import Group, GroupMember, User, UserStatus


@dataclass(frozen=True)
class GroupRow:
    group: Group
    members: int


async def groups_with_counts(session: AsyncSession) -> list[GroupRow]:
    counts = dict(
        (
            await session.execute(
                select(GroupMember.group_id, func.count()).group_by(GroupMember.group_id)
            )
        ).all()
    )
    return [GroupRow(g, counts.get(g.id, 0)) for g in await people.list_groups(session)]


async def access_group(session: AsyncSession, group_id: int) -> Group:
    group = await session.get(Group, group_id)
    if group is None:
        raise NotFound()
    return group


class GroupNameTaken(Conflict):
    def __init__(self, name: str) -> None:
        super().__init__(gettext("There is already a group called %(name)s.") % {"name": name})


class SegmentMembers(PortalError):
    status_code = 409
    message = N_("The members of a segment come from its rules: change the rules instead.")


async def _free_name(session: AsyncSession, name: str, *, other_than: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise PortalError(N_("Give the group a name."))
    taken = await session.scalar(
        select(Group.id).where(func.lower(Group.name) == name.lower(), Group.id != other_than)
    )
    if taken is not None:
        raise GroupNameTaken(name)
    return name


async def create_group(
    session: AsyncSession, *, staff: User, name: str, description: str = ""
) -> Group:
    name = await _free_name(session, name)
    group = Group(name=name, description=description.strip()[:500])
    session.add(group)
    await session.flush()
    await audit.record(
        session,
        actor=staff,
        action="groups.created",
        target_type="group",
        target_id=group.id,
        summary=name,
    )
    return group


async def rename_group(session: AsyncSession, *, staff: User, group: Group, name: str) -> None:
    name = await _free_name(session, name, other_than=group.id)
    if name != group.name:
        await audit.record(
            session,
            actor=staff,
            action="groups.renamed",
            target_type="group",
            target_id=group.id,
            summary=f"{group.name} renamed {name}",
        )
        group.name = name


async def set_join_link(session: AsyncSession, *, staff: User, group: Group, on: bool) -> None:
    """Gives the group a new join link (the old one stops working), or takes it away. A
    segment has none: its rules choose its members."""
    if group.is_dynamic:
        raise SegmentMembers()
    group.join_code = secrets.token_urlsafe(12) if on else None
    await audit.record(
        session,
        actor=staff,
        action="groups.join_link_changed",
        target_type="group",
        target_id=group.id,
        summary=f"{'New' if on else 'No'} join link for {group.name}",
    )
    await session.flush()


async def members_of(session: AsyncSession, group: Group) -> list[User]:
    return list(
        await session.scalars(
            select(User)
            .join(GroupMember, GroupMember.user_id == User.id)
            .where(GroupMember.group_id == group.id)
            .order_by(User.display_name, User.id)
        )
    )


async def search_people(
    session: AsyncSession, *, group: Group, query: str, limit: int = 20
) -> list[User]:
    """Active or invited people matching a name, email or company, not yet in the group."""
    words = query.strip().lower()
    if not words:
        return []
    like = f"%{words}%"
    in_group = select(GroupMember.user_id).where(GroupMember.group_id == group.id)
    return list(
        await session.scalars(
            select(User)
            .where(
                User.status.in_([UserStatus.ACTIVE, UserStatus.INVITED]),
                User.id.not_in(in_group),
                or_(
                    func.lower(User.display_name).like(like),
                    func.lower(User.email).like(like),
                    func.lower(User.company).like(like),
                ),
            )
            .order_by(User.display_name, User.id)
            .limit(limit)
        )
    )


async def add_members(
    session: AsyncSession, *, staff: User, group: Group, users: Iterable[User]
) -> int:
    """Adds those not in the group yet; returns how many were added."""
    if group.is_dynamic:
        raise SegmentMembers()
    present = set(
        await session.scalars(select(GroupMember.user_id).where(GroupMember.group_id == group.id))
    )
    new = sorted({u.id for u in users} - present)
    session.add_all(GroupMember(group_id=group.id, user_id=user_id) for user_id in new)
    await session.flush()
    if new:
        await audit.record(
            session,
            actor=staff,
            action="groups.members_added",
            target_type="group",
            target_id=group.id,
            summary=f"{len(new)} added to {group.name}",
            after={"user_ids": new},
        )
    return len(new)


async def add_member(session: AsyncSession, *, staff: User, group: Group, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound()
    await add_members(session, staff=staff, group=group, users=[user])
    return user


async def remove_member(session: AsyncSession, *, staff: User, group: Group, user_id: int) -> None:
    if group.is_dynamic:
        raise SegmentMembers()
    removed = await session.execute(
        delete(GroupMember)
        .where(GroupMember.group_id == group.id, GroupMember.user_id == user_id)
        .execution_options(synchronize_session=False)
    )
    if removed.rowcount:  # type: ignore[attr-defined]
        await audit.record(
            session,
            actor=staff,
            action="groups.member_removed",
            target_type="group",
            target_id=group.id,
            summary=f"user #{user_id} removed from {group.name}",
        )


EMAIL = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+")


@dataclass(frozen=True)
class BulkAdd:
    added: int
    already: int
    unknown: list[str]


async def add_by_emails(session: AsyncSession, *, staff: User, group: Group, text: str) -> BulkAdd:
    """Every email address found in the text (a CSV of emails, or a pasted list) whose person
    exists joins the group; unknown addresses are listed, nothing else changes for them."""
    emails = sorted({e.lower() for e in EMAIL.findall(text)})
    if not emails:
        raise PortalError(N_("No email addresses found: upload a CSV with one email per row."))
    users = list(await session.scalars(select(User).where(func.lower(User.email).in_(emails))))
    known = {u.email.lower() for u in users}
    added = await add_members(session, staff=staff, group=group, users=users)
    return BulkAdd(
        added=added,
        already=len(users) - added,
        unknown=[e for e in emails if e not in known],
    )


async def remove_members(
    session: AsyncSession, *, staff: User, group: Group, user_ids: list[int]
) -> int:
    """Removes those of the people who are in the group; returns how many were removed."""
    removed = await session.execute(
        delete(GroupMember)
        .where(GroupMember.group_id == group.id, GroupMember.user_id.in_(user_ids))
        .execution_options(synchronize_session=False)
    )
    count: int = removed.rowcount  # type: ignore[attr-defined]
    if count:
        await audit.record(
            session,
            actor=staff,
            action="groups.members_removed",
            target_type="group",
            target_id=group.id,
            summary=f"{count} removed from {group.name}",
            after={"user_ids": sorted(user_ids)},
        )
    return count
