"""People lookups every layer above needs: a person for staff pages, an advocate by referral
code, the groups a targeting picker offers (who is signed in: portal.people.sessions)."""

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal.errors import NotFound
from portal.people.models import Group, GroupMember, ProfileField, Role, User, UserRole, UserStatus

REFERRAL_CODE_LENGTH = 16  # the column's width: longer codes cannot exist
JOIN_CODE_LENGTH = 32


async def access_user(session: AsyncSession, user_id: int) -> User:
    """A person with their roles, for staff pages about them; `NotFound` if there is none."""
    user = await session.scalar(
        select(User).where(User.id == user_id).options(selectinload(User.roles))
    )
    if user is None:
        raise NotFound()
    return user


async def get_advocate_for_code(session: AsyncSession, code: str) -> User | None:
    """The active person whose personal referral link carries `code`."""
    if not code or len(code) > REFERRAL_CODE_LENGTH:
        return None
    return await session.scalar(
        select(User).where(User.referral_code == code, User.status == UserStatus.ACTIVE)
    )


async def list_groups(session: AsyncSession) -> list[Group]:
    return list(await session.scalars(select(Group).order_by(Group.name)))


async def list_advocates_after(
    session: AsyncSession, *, after_id: int, limit: int, email: str | None = None
) -> list[User]:
    """Advocates in id order after `after_id` (a cursor), or the one with this email."""
    query = select(User).where(User.id > after_id, User.roles.any(UserRole.role == Role.ADVOCATE))
    if email is not None:
        query = query.where(User.email == email.strip().lower())
    rows = await session.scalars(
        query.options(selectinload(User.roles)).order_by(User.id).limit(limit)
    )
    return list(rows)


async def group_ids_of(session: AsyncSession, users: list[User]) -> dict[int, list[int]]:
    """The groups each person is in, by person id."""
    found: dict[int, list[int]] = {user.id: [] for user in users}
    rows = await session.execute(
        select(GroupMember.user_id, GroupMember.group_id)
        .where(GroupMember.user_id.in_(found))
        .order_by(GroupMember.group_id)
    )
    for user_id, group_id in rows:
        found[user_id].append(group_id)
    return found


async def join_groups(session: AsyncSession, *, user_id: int, group_ids: Iterable[int]) -> None:
    """Adds a person to the static groups among these that they are not in yet (a bulk
    invitation's groups, a join link's group); a segment's members are its rules' business."""
    await join_groups_each(session, {user_id: group_ids})


async def join_groups_each(session: AsyncSession, wanted: dict[int, Iterable[int]]) -> None:
    """`join_groups` for many people at once (a bulk invitation's batch): three statements
    whatever their number."""
    pairs = {(user_id, group_id) for user_id, groups in wanted.items() for group_id in groups}
    if not pairs:
        return
    users, groups = {user_id for user_id, _ in pairs}, {group_id for _, group_id in pairs}
    present = set(
        (
            await session.execute(
                select(GroupMember.user_id, GroupMember.group_id).where(
                    GroupMember.user_id.in_(users), GroupMember.group_id.in_(groups)
                )
            )
        ).all()
    )
    static = set(
        await session.scalars(
            select(Group.id).where(Group.id.in_(groups), Group.is_dynamic.is_(False))
        )
    )
    session.add_all(
        GroupMember(group_id=group_id, user_id=user_id)
        for user_id, group_id in sorted(pairs - present)
        if group_id in static
    )
    await session.flush()


async def get_group_for_join_code(session: AsyncSession, code: str) -> Group | None:
    """The static group whose join link carries `code`."""
    if not code or len(code) > JOIN_CODE_LENGTH:
        return None
    return await session.scalar(
        select(Group).where(Group.join_code == code, Group.is_dynamic.is_(False))
    )


async def list_profile_fields(session: AsyncSession) -> list[ProfileField]:
    return list(
        await session.scalars(select(ProfileField).order_by(ProfileField.position, ProfileField.id))
    )
