"""A double click on a download, as two real transactions at once (they commit)."""

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from portal.content import service as content
from portal.content.models import AssetUse
from portal.db import create_engine, create_sessionmaker
from portal.files.storage import LocalStorage
from portal.points import service as points
from portal.points.models import LedgerEntry
from tests.conftest import drop_pg_database, empty_database_url, run_migrations
from tests.factories import make_advocate, make_asset, make_marketer


@pytest.fixture(scope="module")
async def committed_engine(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AsyncEngine]:
    url = await empty_database_url(backend, tmp_path_factory.mktemp("race"), "content_race")
    run_migrations(url)
    engine = create_engine(url)
    yield engine
    await engine.dispose()
    if backend == "postgresql":
        await drop_pg_database(f"portal_content_race_{os.getpid()}")


async def test_a_double_click_downloads_twice_and_awards_once(
    committed_engine: AsyncEngine, tmp_path: Path
) -> None:
    storage = LocalStorage(tmp_path / "uploads")
    sessionmaker = create_sessionmaker(committed_engine)
    async with sessionmaker() as session:
        marketer = await make_marketer(session)
        advocate = await make_advocate(session)
        asset = await make_asset(session, storage, actor=marketer)
        await session.commit()

    async def click() -> int:
        async with sessionmaker() as session:
            awarded = await content.record_download(session, advocate, asset)
            await session.commit()
            return awarded

    results = await asyncio.gather(*(click() for _ in range(4)))
    assert sorted(results) == [0, 0, 0, 10]
    async with sessionmaker() as session:
        assert (await points.balance_of(session, advocate)).current == 10
        entries = await session.scalar(
            select(func.count()).where(LedgerEntry.user_id == advocate.id)
        )
        assert entries == 1
        use = await session.get(AssetUse, (asset.id, advocate.id))
        assert use is not None
        assert use.downloads == 4
