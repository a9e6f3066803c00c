"""Alembic is the only way the schema changes: the migrations build the models' schema exactly,
on both engines, and downgrade cleanly."""

import os
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from portal.db import create_engine
from portal.models import Base
from tests.conftest import drop_pg_database, empty_database_url, run_migrations


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


@pytest.fixture
async def empty_url(backend: str, tmp_path: Path):
    url = await empty_database_url(backend, tmp_path, "migrations")
    yield url
    if backend == "postgresql":
        await drop_pg_database(f"portal_migrations_{os.getpid()}")


# The People table's index on lower(name) is PostgreSQL's only (SQLite cannot reflect an index
# on an expression): alembic says so on SQLite, and PostgreSQL compares it.
@pytest.mark.filterwarnings(
    "ignore:autogenerate skipping metadata-specified expression-based index"
)
async def test_migrations_match_the_models_and_round_trip(empty_url: str) -> None:
    run_migrations(empty_url)
    engine = create_engine(empty_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
            assert await connection.run_sync(_tables) == set(Base.metadata.tables)
        run_migrations(empty_url, "base", down=True)
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == set()
        run_migrations(empty_url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
    finally:
        await engine.dispose()
