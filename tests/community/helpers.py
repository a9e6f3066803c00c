"""Community set-up through the real services: a category (optionally for some groups) and a
topic with replies."""

from sqlalchemy.ext.asyncio import AsyncSession

from portal.community import service
from portal.community.models import Category, Post, Topic
from portal.people.models import Group, GroupMember, User
from tests.factories import make_marketer


async def make_category(
    session: AsyncSession, name: str = "Product tips", *, groups: tuple[Group, ...] = ()
) -> Category:
    return await service.create_category(
        session,
        staff=await make_marketer(session),
        values=service.CategoryValues(
            name=name,
            description=f"All about {name.lower()}",
            position=0,
            group_ids=frozenset(group.id for group in groups),
        ),
    )


async def make_group(session: AsyncSession, name: str, *members: User) -> Group:
    group = Group(name=name)
    session.add(group)
    await session.flush()
    session.add_all(GroupMember(group_id=group.id, user_id=member.id) for member in members)
    await session.flush()
    return group


async def make_topic(
    session: AsyncSession,
    author: User,
    category: Category,
    *,
    title: str = "How do you set up alerts?",
    body: str = "I'd like alerts on failed shipments.",
) -> Topic:
    return await service.start_topic(
        session, author=author, category_id=category.id, title=title, body=body
    )


async def make_reply(
    session: AsyncSession, author: User, topic: Topic, body: str = "Use the rules page."
) -> Post:
    return await service.reply(session, author=author, topic_id=topic.id, body=body)
