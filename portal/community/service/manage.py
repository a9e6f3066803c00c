"""Marketers' side of the community: categories (name, description, order, the groups that may
see them) and the points participation earns."""

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit import service as audit
from portal.community.models import Category, CategoryGroup, Topic
from portal.community.service.feed import withdraw_topics
from portal.errors import Conflict, NotFound
from portal.i18n import N_
from portal.people.models import Group, User


class CategoryNameTaken(Conflict):
    message = N_("There is already a category with that name.")


@dataclass(frozen=True)
class CategoryValues:
    name: str
    description: str
    position: int
    group_ids: frozenset[int]


@dataclass(frozen=True)
class ManagedCategory:
    category: Category
    group_ids: frozenset[int]
    topics: int


async def managed_categories(session: AsyncSession) -> list[ManagedCategory]:
    links = await session.execute(select(CategoryGroup.category_id, CategoryGroup.group_id))
    groups: dict[int, set[int]] = {}
    for category_id, group_id in links:
        groups.setdefault(category_id, set()).add(group_id)
    topics = (
        select(Topic.category_id, func.count().label("topics"))
        .group_by(Topic.category_id)
        .subquery()
    )
    rows = await session.execute(
        select(Category, func.coalesce(topics.c.topics, 0))
        .outerjoin(topics, topics.c.category_id == Category.id)
        .order_by(Category.position, Category.name)
    )
    return [
        ManagedCategory(category, frozenset(groups.get(category.id, ())), count)
        for category, count in rows
    ]


async def access_managed_category(session: AsyncSession, category_id: int) -> ManagedCategory:
    for row in await managed_categories(session):
        if row.category.id == category_id:
            return row
    raise NotFound()


async def _check_name(session: AsyncSession, name: str, *, other_than: int | None = None) -> None:
    query = select(Category.id).where(func.lower(Category.name) == name.lower())
    if other_than is not None:
        query = query.where(Category.id != other_than)
    if await session.scalar(query) is not None:
        raise CategoryNameTaken()


async def _known_groups(session: AsyncSession, group_ids: frozenset[int]) -> list[int]:
    if not group_ids:
        return []
    return sorted(await session.scalars(select(Group.id).where(Group.id.in_(group_ids))))


async def create_category(
    session: AsyncSession, *, staff: User, values: CategoryValues
) -> Category:
    await _check_name(session, values.name)
    group_ids = await _known_groups(session, values.group_ids)
    category = Category(
        name=values.name,
        description=values.description,
        position=values.position,
        is_targeted=bool(group_ids),
    )
    session.add(category)
    await session.flush()
    session.add_all(CategoryGroup(category_id=category.id, group_id=gid) for gid in group_ids)
    await audit.record(
        session,
        actor=staff,
        action="community.category_created",
        target_type="community_category",
        target_id=category.id,
        summary=f"Created the community category {values.name}",
    )
    await session.flush()
    return category


async def update_category(
    session: AsyncSession, *, staff: User, category_id: int, values: CategoryValues
) -> Category:
    category = await session.get(Category, category_id)
    if category is None:
        raise NotFound()
    await _check_name(session, values.name, other_than=category.id)
    group_ids = await _known_groups(session, values.group_ids)
    category.name = values.name
    category.description = values.description
    category.position = values.position
    category.is_targeted = bool(group_ids)
    await session.execute(delete(CategoryGroup).where(CategoryGroup.category_id == category.id))
    session.add_all(CategoryGroup(category_id=category.id, group_id=gid) for gid in group_ids)
    if category.is_targeted:  # its topics are no longer everyone's news
        await withdraw_topics(session, Topic.category_id == category.id)
    await audit.record(
        session,
        actor=staff,
        action="community.category_updated",
        target_type="community_category",
        target_id=category.id,
        summary=f"Changed the community category {values.name}",
    )
    await session.flush()
    return category
