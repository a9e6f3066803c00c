"""Tests that read the demo program (`make run`'s data) share one copy of it per engine and
test process, seeded once and committed; each test still runs in a transaction rolled back at
its end. Seeding costs seconds, and dozens of tests crawl or count what it made."""

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from portal.db import create_engine, create_sessionmaker
from portal.demo import seed_session
from portal.files.storage import LocalStorage
from tests.conftest import drop_pg_database, empty_database_url, run_migrations


@pytest.fixture(scope="session")
def demo_folder(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp(f"demo-{backend}")


@pytest.fixture
def storage(demo_folder: Path) -> LocalStorage:
    """Where the demo's files were stored (the demo's rows name them)."""
    return LocalStorage(demo_folder / "uploads")


@pytest_asyncio.fixture(scope="session")
async def database_url(
    backend: str,
    demo_folder: Path,
    route_table_for_links: None,
    fast_password_hashing: None,
    wired_subscriptions: None,
) -> AsyncIterator[str]:
    url = await empty_database_url(backend, demo_folder, "demo")
    run_migrations(url)
    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session:
        await seed_session(session, storage=LocalStorage(demo_folder / "uploads"))
        await session.commit()
    await engine.dispose()
    yield url
    if backend == "postgresql":
        await drop_pg_database(f"portal_demo_{os.getpid()}")


@pytest_asyncio.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """The demo database's engine (the suite's own `engine` is bound to the empty database)."""
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()
