"""Real services for the tests: SQLite and PostgreSQL (every database test runs on both), Redis
for jobs, an aiosmtpd server for email. Off CI a missing service skips with its reason; with
CI=true it fails the run."""

import concurrent.futures
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from alembic import command
from portal import routing, subscriptions
from portal.app import create_app
from portal.auth.service import passwords
from portal.cli import alembic_config
from portal.config import Settings
from portal.db import create_engine

CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_DSN = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_HOST = os.environ.get("TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("TEST_REDIS_PORT", "6379"))
# Under pytest-xdist each worker flushes a Redis database of its own (gw0 the given one, gw1 the
# one below it, ...); PostgreSQL databases and temporary files are already named per process.
XDIST_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
REDIS_DB = int(os.environ.get("TEST_REDIS_DB", "15")) - XDIST_WORKER
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session", autouse=True)
def route_table_for_links() -> None:
    """Services make links from the app's route table; tests that call them without an app
    get the same table, on the `settings` fixture's base URL."""
    routing.install_links(
        Settings(
            portal_env="test",
            base_url="http://portal.test",
            secret_key="test-secret-key-that-is-long-enough-for-signing",  # type: ignore[arg-type]
        )
    )


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing() -> None:
    """argon2id at test-suite cost: the rules are the same, the hashing is 100x cheaper."""
    passwords.use_fast_hashing()


@pytest.fixture(scope="session", autouse=True)
def wired_subscriptions() -> None:
    """Services called directly react across domains as they do in the app (a download
    completes a challenge)."""
    subscriptions.install()


def unavailable(service: str, reason: str) -> None:
    """Skip off CI; in CI a missing service is a failure, never a silent skip."""
    message = f"{service} unavailable: {reason}"
    if CI:
        pytest.fail(f"{message} (CI=true requires it)")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_migrations(url: str, revision: str = "head", *, down: bool = False) -> None:
    """Alembic in a thread of its own: its env.py starts an event loop."""
    config = alembic_config(url)
    config.attributes["configure_logging"] = False
    action = command.downgrade if down else command.upgrade
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(action, config, revision).result()


def _pg_url(database: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0]
    return f"{base}/{database}".replace("postgresql://", "postgresql+asyncpg://", 1)


async def create_pg_database(name: str) -> str:
    try:
        admin = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    except (TimeoutError, OSError, asyncpg.PostgresError) as error:
        unavailable("PostgreSQL", f"{PG_ADMIN_DSN}: {error}")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return _pg_url(name)


async def drop_pg_database(name: str) -> None:
    admin = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def empty_database_url(backend: str, tmp: Path, label: str) -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp / f'{label}.sqlite3'}"
    return await create_pg_database(f"portal_{label}_{os.getpid()}")


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest_asyncio.fixture(scope="session")
async def database_url(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    url = await empty_database_url(backend, tmp_path_factory.mktemp("db"), "test")
    run_migrations(url)
    yield url
    if backend == "postgresql":
        await drop_pg_database(f"portal_test_{os.getpid()}")


@pytest_asyncio.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest_asyncio.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """One transaction per test, rolled back at the end: commits inside become savepoints."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        yield connection
        await transaction.rollback()


def joined_sessionmaker(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest_asyncio.fixture
async def session(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    async with joined_sessionmaker(connection)() as session:
        yield session


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        portal_env="test",
        var_dir=tmp_path / "var",
        database_url=database_url,
        redis_url=None,
        smtp_url=None,
        secret_key="test-secret-key-that-is-long-enough-for-signing",  # type: ignore[arg-type]
        base_url="http://portal.test",
        jobs_inline=True,
        # Tests post public forms without loading them first; tests/guard turns it back on.
        public_form_min_seconds=0,
    )


@pytest.fixture
def app(settings: Settings, connection: AsyncConnection) -> Starlette:
    return create_app(settings, sessionmaker=joined_sessionmaker(connection))


@pytest_asyncio.fixture
async def client(app: Starlette, session: AsyncSession) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the app. Each request gets a cold session of its own; the test's
    session is flushed first so the app sees what the test made (tests `refresh` what a
    request changed)."""

    async def flush_test_session(request: httpx.Request) -> None:
        await session.flush()

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://portal.test",
        event_hooks={"request": [flush_test_session]},
    ) as client:
        yield client


@pytest.fixture(params=["plain", "htmx"])
def htmx(request: pytest.FixtureRequest) -> dict[str, str]:
    """Run a page test both ways: a full page, and the htmx partial."""
    return {"HX-Request": "true"} if request.param == "htmx" else {}


@dataclass
class MailCatcher:
    host: str
    port: int
    messages: list[Any] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[MailCatcher]:
    catcher = MailCatcher("127.0.0.1", free_port())
    controller = Controller(catcher, hostname=catcher.host, port=catcher.port)
    controller.start()
    try:
        yield catcher
    finally:
        controller.stop()


@pytest_asyncio.fixture
async def arq_redis() -> AsyncIterator[Any]:
    """An arq pool on a separate Redis database, flushed before each test."""
    from arq import create_pool
    from arq.connections import RedisSettings
    from redis.exceptions import RedisError

    redis_settings = RedisSettings(
        host=REDIS_HOST, port=REDIS_PORT, database=REDIS_DB, conn_timeout=2, conn_retries=0
    )
    try:
        pool = await create_pool(redis_settings)
        await pool.flushdb()
    except (OSError, RedisError) as error:
        unavailable("Redis", f"{REDIS_HOST}:{REDIS_PORT}: {error}")
    yield pool
    await pool.flushdb()
    await pool.aclose()


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str

    def new_bucket(self) -> str:
        """A bucket of its own for a test (names are global on the server)."""
        import boto3

        name = f"portal-{uuid.uuid4().hex[:16]}"
        boto3.client("s3", **self.client_options()).create_bucket(Bucket=name)
        return name

    def client_options(self) -> dict[str, str]:
        return {
            "endpoint_url": self.endpoint_url,
            "region_name": "us-east-1",
            "aws_access_key_id": "portal-test",
            "aws_secret_access_key": "portal-test-secret",
        }


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """An S3-compatible server (moto in server mode) on a loopback port: the real HTTP API,
    signatures, multipart uploads, ranges and presigned links."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as error:
        unavailable("moto (S3 test server)", str(error))
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield S3Server(f"http://127.0.0.1:{port}")
    finally:
        server.stop()


@pytest.fixture
def queue_name() -> str:
    return f"portal-test:{uuid.uuid4().hex}"


@pytest_asyncio.fixture(scope="module")
async def committed_engine(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[AsyncEngine]:
    """A database of its own, for races between real transactions (they commit)."""
    url = await empty_database_url(backend, tmp_path_factory.mktemp("race"), "race")
    run_migrations(url)
    engine = (
        create_engine(url, pool_size=60, max_overflow=0)
        if backend == "postgresql"
        else create_engine(url)
    )
    yield engine
    await engine.dispose()
    if backend == "postgresql":
        await drop_pg_database(f"portal_race_{os.getpid()}")
