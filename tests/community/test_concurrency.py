"""Reactions arriving at once, as real transactions that commit: the daily cap holds and every
reaction is counted."""

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from portal.community import service, settings
from portal.community.models import Post
from portal.db import create_sessionmaker
from portal.points import service as points
from portal.points.models import LedgerEntry
from tests.community.helpers import make_category, make_topic
from tests.factories import make_advocate, make_marketer


async def test_concurrent_reactions_never_pass_the_daily_cap(
    committed_engine: AsyncEngine,
) -> None:
    sessionmaker = create_sessionmaker(committed_engine)
    async with sessionmaker() as session:
        await settings.save_settings(
            session,
            actor=await make_marketer(session),
            points_topic=0,
            points_helpful=4,
            daily_cap=10,
        )
        author = await make_advocate(session)
        topic = await make_topic(session, author, await make_category(session))
        opening = await session.scalar(select(Post).where(Post.topic_id == topic.id))
        assert opening is not None
        readers = [await make_advocate(session) for _ in range(12)]
        await session.commit()

    async def react(reader_index: int) -> None:
        async with sessionmaker() as session:
            await service.toggle_helpful(session, viewer=readers[reader_index], post_id=opening.id)
            await session.commit()

    await asyncio.gather(*(react(n) for n in range(len(readers))))
    async with sessionmaker() as session:
        assert (await points.balance_of(session, author)).current == 8
        paid = await session.scalar(select(func.count()).where(LedgerEntry.user_id == author.id))
        assert paid == 2
        post = await session.get(Post, opening.id)
        assert post is not None
        assert post.helpful_count == 12
