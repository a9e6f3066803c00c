"""Segments: saving one (a group with rules), previewing who its rules match, and keeping its
members in step, for one person after a change of theirs, or for everyone on a schedule."""

from dataclasses import dataclass

from sqlalchemy import bindparam, delete, exists, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit import service as audit
from portal.clock import utcnow
from portal.errors import NotFound, PortalError
from portal.groups import service as groups
from portal.i18n import N_
from portal.people.models import Group, GroupMember, User
from portal.people.segment_rules import Rule
from portal.points.models import Level
from portal.segments.rules import members_query

PREVIEW_PEOPLE = 20


class NoRules(PortalError):
    status_code = 422
    message = N_("Add at least one rule that includes people.")


@dataclass(frozen=True)
class Preview:
    count: int
    people: list[User]


def rules_of(group: Group) -> list[Rule]:
    return [Rule.from_stored(rule) for rule in group.rules]


async def access_segment(session: AsyncSession, group_id: int) -> Group:
    group = await session.get(Group, group_id)
    if group is None or not group.is_dynamic:
        raise NotFound()
    return group


async def preview(session: AsyncSession, rules: list[Rule]) -> Preview:
    """Who the rules match now, before anything is saved: the count and the first names."""
    matching = members_query(rules, utcnow())
    count = await session.scalar(select(func.count()).select_from(matching.subquery()))
    people = await session.scalars(
        select(User)
        .where(User.id.in_(matching))
        .order_by(User.display_name, User.id)
        .limit(PREVIEW_PEOPLE)
    )
    return Preview(count or 0, list(people))


async def save_segment(
    session: AsyncSession,
    *,
    staff: User,
    group: Group | None,
    name: str,
    description: str,
    rules: list[Rule],
) -> Group:
    """Creates a segment, or changes one's name and rules; its members follow at once."""
    if not any(not rule.exclude for rule in rules):
        raise NoRules()
    if group is None:
        group = await groups.create_group(session, staff=staff, name=name, description=description)
        group.is_dynamic = True
    else:
        await groups.rename_group(session, staff=staff, group=group, name=name)
        group.description = description.strip()[:500]
    before = group.rules
    group.rules = [rule.stored() for rule in rules]
    await audit.record(
        session,
        actor=staff,
        action="groups.rules_changed",
        target_type="group",
        target_id=group.id,
        summary=f"Rules of {group.name}: " + "; ".join(rule.text for rule in rules),
        before={"rules": before},
        after={"rules": group.rules},
    )
    await refresh_segment(session, group)
    return group


async def refresh_segment(session: AsyncSession, group: Group) -> None:
    """Makes the members exactly those the rules match now: two statements, whatever the size."""
    now = utcnow()
    matching = members_query(rules_of(group), now)
    await session.execute(
        delete(GroupMember)
        .where(GroupMember.group_id == group.id, GroupMember.user_id.not_in(matching))
        .execution_options(synchronize_session=False)
    )
    present = exists().where(GroupMember.group_id == group.id, GroupMember.user_id == User.id)
    newcomers = matching.where(~present).subquery()
    added_at = bindparam("added_at", now, type_=GroupMember.__table__.c.added_at.type)
    await session.execute(
        insert(GroupMember).from_select(
            ["group_id", "user_id", "added_at"],
            select(bindparam("group_id", group.id), newcomers.c.id, added_at),
        )
    )
    group.members_refreshed_at = now
    await session.flush()


async def refresh_all_segments(session: AsyncSession) -> int:
    segments = list(await session.scalars(select(Group).where(Group.is_dynamic.is_(True))))
    for group in segments:
        await refresh_segment(session, group)
    return len(segments)


async def refresh_person(session: AsyncSession, *, user_id: int) -> None:
    """After a change of one person's (points, a referral, joining): the segments they now
    match have them, the others don't."""
    now = utcnow()
    for group in await session.scalars(select(Group).where(Group.is_dynamic.is_(True))):
        matches = await session.scalar(
            select(exists(members_query(rules_of(group), now).where(User.id == user_id)))
        )
        member = await session.get(GroupMember, (group.id, user_id))
        if matches and member is None:
            session.add(GroupMember(group_id=group.id, user_id=user_id, added_at=now))
        elif not matches and member is not None:
            await session.delete(member)
    await session.flush()


async def level_names(session: AsyncSession) -> list[str]:
    return list(await session.scalars(select(Level.name).order_by(Level.min_points)))
