"""`portal backup` and `portal restore`: the demo program round-trips, rows and files, and a
restore refuses what it must not overwrite or cannot read."""

import asyncio
import io
import json
import os
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, inspect, select, text

from portal.backup import BackupError, backup, restore
from portal.cli import main
from portal.db import create_engine
from portal.files.storage import LocalStorage
from portal.models import Base
from tests.conftest import drop_pg_database, empty_database_url, run_migrations


async def _contents(database_url: str) -> dict[str, object]:
    """Every table's row count, and what people would notice first: who is there and the
    points the ledger holds."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            found: dict[str, object] = {
                table.name: await connection.scalar(select(func.count()).select_from(table))
                for table in Base.metadata.sorted_tables
            }
            emails = await connection.scalars(text("SELECT email FROM users ORDER BY email"))
            found["emails"] = list(emails)
            found["ledger points"] = await connection.scalar(
                text("SELECT sum(delta) FROM points_ledger")
            )
            found["revision"] = await connection.scalar(
                text("SELECT version_num FROM alembic_version")
            )
    finally:
        await engine.dispose()
    return found


async def _files(storage: LocalStorage) -> dict[str, bytes]:
    return {
        name: b"".join([chunk async for chunk in storage.read(name)])
        for name in await storage.names()
    }


async def test_the_demo_backs_up_and_restores_onto_an_empty_installation_unchanged(
    backend: str, database_url: str, storage: LocalStorage, tmp_path: Path
) -> None:
    archive, manifest = await backup(database_url, storage, tmp_path / "backups")
    assert archive.name.startswith("portal-backup-")
    assert archive.suffix == ".tar"
    assert manifest.engine == backend
    assert manifest.files == len(await storage.names()) > 0
    assert not list((tmp_path / "backups").glob("*.partial"))

    target_url = await empty_database_url(backend, tmp_path, "restored")
    target_storage = LocalStorage(tmp_path / "restored-uploads")
    try:
        restored = await restore(archive, target_url, target_storage)
        run_migrations(target_url)
        assert restored == manifest
        assert await _contents(target_url) == await _contents(database_url)
        assert await _files(target_storage) == await _files(storage)

        with pytest.raises(BackupError, match=r"already has \d+ tables"):
            await restore(archive, target_url, LocalStorage(tmp_path / "other-uploads"))
    finally:
        if backend == "postgresql":
            await drop_pg_database(f"portal_restored_{os.getpid()}")


async def test_a_restore_refuses_full_storage_foreign_archives_and_newer_schemas(
    backend: str, database_url: str, storage: LocalStorage, tmp_path: Path
) -> None:
    target_url = await empty_database_url(backend, tmp_path, "refusing")
    try:
        archive, _manifest = await backup(database_url, storage, tmp_path / "backups")
        with pytest.raises(BackupError, match="storage already holds files"):
            await restore(archive, target_url, storage)

        not_a_backup = tmp_path / "notes.tar"
        not_a_backup.write_bytes(b"just some text")
        with pytest.raises(BackupError, match="not a portal backup"):
            await restore(not_a_backup, target_url, LocalStorage(tmp_path / "empty"))

        newer = tmp_path / "newer.tar"
        fields = {
            "format": 1,
            "created_at": "2031-01-01T00:00:00+00:00",
            "engine": backend,
            "revision": "9999",
            "database": "database.sqlite3",
            "files": 0,
            "bytes": 0,
        }
        data = json.dumps(fields).encode()
        with tarfile.open(newer, "w") as written:
            member = tarfile.TarInfo("manifest.json")
            member.size = len(data)
            written.addfile(member, io.BytesIO(data))
        with pytest.raises(BackupError, match="newer than this version knows"):
            await restore(newer, target_url, LocalStorage(tmp_path / "empty"))
        engine = create_engine(target_url)
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        await engine.dispose()
        assert tables == []  # refused before anything was written
    finally:
        if backend == "postgresql":
            await drop_pg_database(f"portal_refusing_{os.getpid()}")


async def test_the_commands_back_up_and_restore_with_the_settings_of_the_environment(
    backend: str, database_url: str, storage: LocalStorage, tmp_path: Path
) -> None:
    runner = CliRunner()
    source = {"DATABASE_URL": database_url, "UPLOAD_DIR": str(storage.directory)}
    made = await asyncio.to_thread(
        runner.invoke, main, ["backup", "--to", str(tmp_path / "out")], env=source
    )
    assert made.exit_code == 0, made.output
    assert f"Backed up the {backend} database" in made.output
    archive = next((tmp_path / "out").glob("*.tar"))

    target = {
        "DATABASE_URL": await empty_database_url(backend, tmp_path, "cli"),
        "UPLOAD_DIR": str(tmp_path / "new" / "uploads"),
    }
    try:
        done = await asyncio.to_thread(runner.invoke, main, ["restore", str(archive)], env=target)
        assert done.exit_code == 0, done.output
        assert "Restored the backup of" in done.output
        again = await asyncio.to_thread(runner.invoke, main, ["restore", str(archive)], env=target)
        assert again.exit_code != 0
        assert "already has" in again.output
    finally:
        if backend == "postgresql":
            await drop_pg_database(f"portal_cli_{os.getpid()}")
