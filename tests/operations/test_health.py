"""/healthz, /readyz and `portal doctor` against the real database, a Redis port where nothing
listens, a schema left behind and storage that cannot be written."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from portal.app import create_app
from portal.cli import main
from portal.config import Settings
from portal.db import create_engine, create_sessionmaker
from portal.operations.health import migration_heads
from tests.conftest import free_port


@asynccontextmanager
async def client_for(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An app with an engine of its own on the settings' database (disposed afterwards)."""
    engine = create_engine(settings.database_url)
    app = create_app(settings, sessionmaker=create_sessionmaker(engine))
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://portal.test"
        ) as client:
            yield client
    finally:
        await engine.dispose()


def closed_database(settings: Settings) -> Settings:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nowhere"
    return settings.model_copy(update={"database_url": url})


async def test_healthz_answers_without_a_database(settings: Settings) -> None:
    async with client_for(closed_database(settings)) as client:
        response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["cache-control"] == "no-store"


async def test_readyz_is_ready_when_every_check_passes(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "ready",
        "failed": [],
        "checks": {"database": "ok", "migrations": "ok", "redis": "skipped", "storage": "ok"},
    }


async def test_readyz_names_migrations_when_the_schema_is_behind(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await session.execute(text("UPDATE alembic_version SET version_num = '0045'"))
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["migrations"]
    assert response.json()["checks"]["database"] == "ok"


async def test_readyz_names_redis_when_its_port_is_closed(settings: Settings) -> None:
    closed = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    async with client_for(closed) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["redis"]


async def test_readyz_names_redis_ok_when_it_answers(settings: Settings, arq_redis: object) -> None:
    from tests.conftest import REDIS_DB, REDIS_HOST, REDIS_PORT

    live = settings.model_copy(
        update={"redis_url": f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"}
    )
    async with client_for(live) as client:
        response = await client.get("/readyz")
    assert response.json()["checks"]["redis"] == "ok", response.text


async def test_readyz_names_the_database_and_skips_migrations_when_it_is_down(
    settings: Settings,
) -> None:
    async with client_for(closed_database(settings)) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]
    assert response.json()["checks"]["migrations"] == "skipped"


async def test_readyz_names_storage_that_cannot_be_written(
    settings: Settings, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    unwritable = settings.model_copy(update={"upload_dir": blocker / "uploads"})
    async with client_for(unwritable) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["storage"]


def doctor(env: dict[str, str]) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["doctor"], env={"REDIS_URL": "", **env})
    return result.exit_code, result.output


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_doctor_says_ready_and_shows_each_check(database_url: str, tmp_path: Path) -> None:
    code, output = doctor({"DATABASE_URL": database_url, "VAR_DIR": str(tmp_path)})
    assert code == 0, output
    assert f"✓ migrations  at head ({', '.join(migration_heads())})" in output
    assert "- redis" in output
    assert output.rstrip().endswith("Ready: this host can serve.")


def test_doctor_explains_a_closed_redis_and_an_unmigrated_database(tmp_path: Path) -> None:
    empty = f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}"
    port = free_port()
    code, output = doctor(
        {"DATABASE_URL": empty, "VAR_DIR": str(tmp_path), "REDIS_URL": f"redis://127.0.0.1:{port}"}
    )
    assert code == 1
    assert "✗ migrations  the database is at no revision (never migrated)" in output
    assert "Run `portal migrate` once" in output
    assert "✗ redis" in output
    assert f"correct REDIS_URL (redis://127.0.0.1:{port})" in output
    assert output.rstrip().endswith("Not ready: migrations, redis failed.")
