"""`portal backup` and `portal restore` as an operator runs them: the demo program (database
and uploaded files) backed up, restored onto an empty installation, and compared table by
table and file by file; on SQLite and PostgreSQL."""

import asyncio
import os
import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

import portal.models  # noqa: F401 (every table in the metadata)
from portal.config import Settings
from portal.db import Base, create_engine
from tests.conftest import create_pg_database, drop_pg_database

PORTAL = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "portal"


@dataclass(frozen=True)
class Installation:
    database_url: str
    var_dir: Path

    @property
    def uploads(self) -> Path:
        return self.var_dir / "uploads"

    def env(self) -> dict[str, str]:
        names = {name.upper() for name in Settings.model_fields}
        env = {key: value for key, value in os.environ.items() if key.upper() not in names}
        env.update(DATABASE_URL=self.database_url, VAR_DIR=str(self.var_dir), SECRET_KEY=SECRET)
        return env

    def portal(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 (our own console script)
            [str(PORTAL), *args], env=self.env(), capture_output=True, text=True, timeout=600
        )


SECRET = secrets.token_urlsafe(48)


def installation(backend: str, folder: Path, label: str) -> Installation:
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'portal.sqlite3'}"
    else:
        name = f"portal_{label}_{os.getpid()}"
        url = asyncio.run(create_pg_database(name)).replace("+asyncpg", "")
    return Installation(url, folder)


def dropped(backend: str, label: str) -> None:
    if backend == "postgresql":
        asyncio.run(drop_pg_database(f"portal_{label}_{os.getpid()}"))


@pytest.fixture(scope="module")
def demo_backup(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Installation, Path]]:
    """The demo program, seeded through the real services, and a backup of it."""
    source = installation(backend, tmp_path_factory.mktemp("source"), "backup_source")
    for step in (["migrate"], ["seed-demo"]):
        result = source.portal(*step)
        assert result.returncode == 0, result.stderr
    target = tmp_path_factory.mktemp("backup") / "2026-12-02"
    result = source.portal("backup", str(target))
    assert result.returncode == 0, result.stderr
    assert "Backed up the" in result.stdout
    yield source, target
    dropped(backend, "backup_source")


async def _contents(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = create_engine(Settings(database_url=url, secret_key="x" * 40).database_url)  # type: ignore[arg-type]
    try:
        async with engine.connect() as connection:
            contents = {
                table.name: [
                    tuple(row)
                    for row in await connection.execute(
                        select(table).order_by(*table.primary_key.columns)
                    )
                ]
                for table in Base.metadata.sorted_tables
            }
            versions = await connection.execute(text("SELECT version_num FROM alembic_version"))
            contents["alembic_version"] = [tuple(row) for row in versions]
            return contents
    finally:
        await engine.dispose()


def contents(url: str) -> dict[str, list[tuple[Any, ...]]]:
    return asyncio.run(_contents(url))


def files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_a_restored_backup_of_the_demo_has_every_row_and_every_file(
    demo_backup: tuple[Installation, Path], backend: str, tmp_path: Path
) -> None:
    source, backup = demo_backup
    target = installation(backend, tmp_path, "backup_target")
    try:
        result = target.portal("restore", str(backup))
        assert result.returncode == 0, result.stderr
        assert "Restored the" in result.stdout

        restored = contents(target.database_url)
        original = contents(source.database_url)
        assert restored.keys() == original.keys()
        for table, rows in original.items():
            assert restored[table] == rows, table
        assert sum(map(len, original.values())) > 1000  # the demo, not an empty program
        assert files(target.uploads) == files(source.uploads)
        assert len(files(source.uploads)) >= 5

        again = target.portal("restore", str(backup))
        assert again.returncode == 1
        assert "already has tables: restore onto an empty database" in again.stderr
        doctor = target.portal("doctor")
        assert doctor.returncode == 0, doctor.stdout
    finally:
        dropped(backend, "backup_target")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_damaged_file_stops_the_restore_and_names_the_file(
    demo_backup: tuple[Installation, Path], tmp_path: Path
) -> None:
    _, backup = demo_backup
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(backup), str(copy)], check=True)  # noqa: S603, S607
    victim = sorted((copy / "files").iterdir())[0]
    victim.write_bytes(b"X" + victim.read_bytes()[1:])
    result = installation("sqlite", tmp_path / "target", "damaged").portal("restore", str(copy))
    assert result.returncode == 1
    assert f"files/{victim.name} is damaged" in result.stderr


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_backup_never_writes_into_a_directory_with_something_in_it(
    demo_backup: tuple[Installation, Path],
) -> None:
    source, backup = demo_backup
    result = source.portal("backup", str(backup))
    assert result.returncode == 1
    assert "is not empty: back up into a new directory" in result.stderr


def test_a_restore_refuses_a_backup_of_the_other_database(
    demo_backup: tuple[Installation, Path], backend: str, tmp_path: Path
) -> None:
    _, backup = demo_backup
    other = "postgresql" if backend == "sqlite" else "sqlite"
    target = installation(other, tmp_path, "backup_other")
    try:
        result = target.portal("restore", str(backup))
    finally:
        dropped(other, "backup_other")
    assert result.returncode == 1
    assert f"This is a backup of a {backend} database; DATABASE_URL names a {other} one" in (
        result.stderr
    )
