"""A bulk invitation batch whose address is taken by another transaction between its check and
its insert (PostgreSQL: the insert waits on the other's unique entry, then fails): the batch is
invited again row by row and only that row fails."""

import asyncio

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from portal.auth import service as auth
from portal.auth.models import BulkRowState, Invitation
from portal.db import create_sessionmaker
from portal.outbox.models import OutboxEmail
from tests.factories import make_advocate, make_marketer

LIST = """email,name
ada@example.com,Ada Lovelace
grace@example.com,Grace Hopper
alan@example.com,Alan Turing
"""


# PostgreSQL only: SQLite has one writer, so no insert can wait on another's unique entry.
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_an_address_taken_while_the_batch_inserts_fails_alone(
    backend: str, committed_engine: AsyncEngine
) -> None:
    sessionmaker = create_sessionmaker(committed_engine)
    async with sessionmaker() as session:
        marketer = await make_marketer(session)
        bulk = await auth.read_list(session, staff=marketer, text=LIST, source="race.csv")
        await auth.start_sending(session, staff=marketer, bulk=bulk)
        await session.commit()
        bulk_id = bulk.id

    async with sessionmaker() as other, sessionmaker() as batch, sessionmaker() as watcher:
        await make_advocate(other, email="grace@example.com")  # not committed yet

        async def invite() -> int:
            handled = await auth.invite_next_batch(batch, bulk_invite_id=bulk_id)
            await batch.commit()
            return handled

        inviting = asyncio.create_task(invite())
        waiting = text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        while not await watcher.scalar(waiting):  # the batch's insert waits on Grace's entry
            assert not inviting.done(), inviting
            await watcher.rollback()
            await asyncio.sleep(0)
        await other.commit()
        assert await inviting == 3

    async with sessionmaker() as session:
        bulk = await auth.access_bulk_invite(session, bulk_id)
        failed = await auth.rows_of(session, bulk, states=(BulkRowState.FAILED,), limit=5)
        assert [(row.email, row.problem) for row in failed] == [
            ("grace@example.com", "That person already has an account.")
        ]
        invited = await auth.rows_of(session, bulk, states=(BulkRowState.INVITED,), limit=5)
        assert [row.email for row in invited] == ["ada@example.com", "alan@example.com"]
        assert await session.scalar(select(func.count()).select_from(Invitation)) == 2
        addresses = set(await session.scalars(select(OutboxEmail.to_address)))
        assert addresses == {"ada@example.com", "alan@example.com"}
