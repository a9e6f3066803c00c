"""PostgreSQL drops the app's connections (as in a restart or a failover): a request caught in
the middle gets the friendly error page with its request id, never a stack trace, and the next
requests succeed on fresh connections (the pool replaces a connection the server closed when it
lends it, without a round trip to ask).

The test runs the app with its own engine on a database of its own, and ends the app's server
processes with `pg_terminate_backend`; the shared server itself is never stopped."""

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest_asyncio
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from portal.app import create_app
from portal.config import Settings
from tests.conftest import PG_ADMIN_DSN, create_pg_database, drop_pg_database, run_migrations
from tests.test_faults_redis import wait_for

DATABASE = f"portal_faults_{os.getpid()}"
TERMINATE = (
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
    "WHERE datname = $1 AND pid <> pg_backend_pid() {also}"
)


@pytest_asyncio.fixture(scope="module")
async def faults_database() -> AsyncIterator[str]:
    url = await create_pg_database(DATABASE)
    run_migrations(url)
    yield url
    await drop_pg_database(DATABASE)


@pytest_asyncio.fixture
async def served(faults_database: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The app as `portal run` builds it (its own engine and pool), with its lifespan."""
    app: Starlette = create_app(settings_for(faults_database, tmp_path))
    async with app.router.lifespan_context(app), client_of(app) as client:
        yield client


def settings_for(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        portal_env="test",
        var_dir=tmp_path / "var",
        database_url=database_url,
        redis_url=None,
        secret_key="test-secret-key-that-is-long-enough-for-signing",  # type: ignore[arg-type]
        base_url="http://portal.test",
    )


def client_of(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
        base_url="http://portal.test",
    )


@pytest_asyncio.fixture
async def admin() -> AsyncIterator[asyncpg.Connection]:
    """A connection of the test's own to the faults database: it holds locks and ends the
    app's connections."""
    connection = await asyncpg.connect(PG_ADMIN_DSN.rsplit("/", 1)[0] + f"/{DATABASE}")
    yield connection
    await connection.close()


async def test_a_dropped_connection_is_replaced_without_pinging_the_server(
    faults_database: str, tmp_path: Path, admin: asyncpg.Connection
) -> None:
    """What a restart does to an idle pool: every connection is closed by the server. The
    next requests all succeed on fresh connections, and none asks the server first (the
    pre-ping round trip, an empty query, that every request used to pay)."""
    app = create_app(settings_for(faults_database, tmp_path))
    engine: AsyncEngine = app.state.job_context["sessionmaker"].kw["bind"]
    sent: list[str] = []
    connects: list[int] = []

    def log_queries(dbapi: Any, record: Any) -> None:
        connects.append(1)
        dbapi.driver_connection.add_query_logger(lambda logged: sent.append(logged.query))

    event.listen(engine.sync_engine.pool, "connect", log_queries)
    async with app.router.lifespan_context(app), client_of(app) as client:
        assert (await client.get("/login")).status_code == 200
        assert await admin.fetchval(TERMINATE.format(also=""), DATABASE) >= 1

        async def app_disconnected() -> bool:
            left = await admin.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 "
                "AND pid <> pg_backend_pid()",
                DATABASE,
            )
            return left == 0

        await wait_for(app_disconnected, "the server to end the app's connections")
        # As between requests on a live server, the app's event loop gets a moment to read the
        # server's goodbye (under load it may not have yet when the server's count reads 0).
        await asyncio.sleep(0.2)
        sent.clear()
        connects.clear()
        statuses = [(await client.get("/login")).status_code for _ in range(5)]
    assert statuses == [200] * 5
    assert sent, "the requests were logged"
    assert ";" not in [query.strip() for query in sent]  # SQLAlchemy's ping
    assert 1 <= len(connects) < 5  # the healthy new connections are kept, not replaced each time


async def test_a_request_in_flight_gets_the_friendly_page_and_the_next_one_works(
    served: httpx.AsyncClient, admin: asyncpg.Connection
) -> None:
    assert (await served.get("/login")).status_code == 200
    transaction = admin.transaction()
    await transaction.start()
    await admin.execute("LOCK TABLE program_settings IN ACCESS EXCLUSIVE MODE")
    in_flight = asyncio.create_task(served.get("/login"))  # every page reads the settings

    async def app_waits_on_the_lock() -> bool:
        waiting = await admin.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
            DATABASE,
        )
        return bool(waiting)

    await wait_for(app_waits_on_the_lock, "the request to wait on the lock")
    ended = await admin.fetchval(TERMINATE.format(also="AND wait_event_type = 'Lock'"), DATABASE)
    assert ended == 1
    await transaction.rollback()

    answer = await asyncio.wait_for(in_flight, 30)
    assert answer.status_code == 500
    request_id = answer.headers["X-Request-ID"]
    assert request_id
    assert request_id in answer.text
    assert "Something went wrong on our side" in answer.text
    assert "Traceback" not in answer.text
    assert "asyncpg" not in answer.text.lower()

    assert (await served.get("/login")).status_code == 200
