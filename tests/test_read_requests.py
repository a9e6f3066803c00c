"""Issue 24: on SQLite a page that only reads never takes the write lock: its transaction
begins deferred (a WAL snapshot) and ends without a commit, while a form still begins
IMMEDIATE and commits. The app runs on an engine of its own here, so what it sends is what a
server sends."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from portal.app import create_app
from portal.config import Settings
from portal.db import create_engine, create_sessionmaker
from portal.people.access import writes_on_get
from portal.people.models import Role
from tests.conftest import run_migrations
from tests.factories import csrf_token, login_as, make_advocate, make_user
from tests.test_security import ROUTES


@pytest_asyncio.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'portal.sqlite3'}"
    run_migrations(url)
    engine = create_engine(url)
    yield engine
    await engine.dispose()


def transaction_log(engine: AsyncEngine) -> list[str]:
    """BEGIN statements as sent, and COMMIT for every commit."""
    log: list[str] = []

    def statement(conn: Any, cursor: Any, text: str, *args: Any) -> None:
        if text.startswith("BEGIN"):
            log.append(text)

    event.listen(engine.sync_engine, "before_cursor_execute", statement)
    event.listen(engine.sync_engine, "commit", lambda conn: log.append("COMMIT"))
    return log


def settings_for(engine: AsyncEngine, tmp_path: Path) -> Settings:
    return Settings(
        portal_env="test",
        var_dir=tmp_path / "var",
        database_url=str(engine.url),
        redis_url=None,
        secret_key="test-secret-key-that-is-long-enough-for-signing",  # type: ignore[arg-type]
        base_url="http://portal.test",
        jobs_inline=True,
        public_form_min_seconds=0,
    )


async def test_pages_that_read_take_no_write_lock_and_forms_do(
    sqlite_engine: AsyncEngine, tmp_path: Path
) -> None:
    sessionmaker = create_sessionmaker(sqlite_engine)
    async with sessionmaker() as session:
        advocate = await make_advocate(session)
        await session.commit()
    app = create_app(settings_for(sqlite_engine, tmp_path), sessionmaker=sessionmaker)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://portal.test"
    ) as client:
        await login_as(client, advocate)
        log = transaction_log(sqlite_engine)
        for page in ("/", "/leaderboard/", "/points/", "/rewards/", "/profile"):
            response = await client.get(page)
            assert response.status_code == 200, page
        assert log == ["BEGIN"] * 5  # deferred, and never a commit

        log.clear()
        token = await csrf_token(client, "/profile")
        log.clear()
        response = await client.post(
            "/profile",
            data={"csrf_token": token, "display_name": "Ada Lovelace", "company": "Analytical"},
        )
        assert response.status_code < 400, response.text
        assert log == ["BEGIN IMMEDIATE", "COMMIT"]


async def test_no_get_of_the_route_table_takes_the_write_lock(
    sqlite_engine: AsyncEngine, tmp_path: Path
) -> None:
    """Every GET route (its parameters filled with a real person's id or a placeholder), for
    an advocate and for someone with every staff role: none begins IMMEDIATE or commits, but
    the few declared to write on a GET (`access.writes`)."""
    sessionmaker = create_sessionmaker(sqlite_engine)
    async with sessionmaker() as session:
        advocate = await make_advocate(session)
        staff = await make_user(
            session, name="Sam Staff", roles=(Role.ADMIN, Role.MARKETER, Role.SALES)
        )
        await session.commit()
    app = create_app(settings_for(sqlite_engine, tmp_path), sessionmaker=sessionmaker)
    pages = [r for r in ROUTES if "GET" in r.methods and not writes_on_get(r.endpoint)]
    assert len(pages) > 100
    locked: list[str] = []
    read = 0
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://portal.test"
    ) as client:
        for person in (advocate, staff):
            client.cookies.clear()
            await login_as(client, person)
            log = transaction_log(sqlite_engine)
            for route in pages:
                url = route.url(person.id)
                log.clear()
                response = await client.get(url)
                assert response.status_code < 500, url
                if "BEGIN IMMEDIATE" in log or "COMMIT" in log:
                    locked.append(f"{person.display_name}: GET {url} {log}")
                read += log == ["BEGIN"]
    assert locked == []
    assert read > 100  # the log saw the pages' own deferred transactions
