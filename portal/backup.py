"""`portal backup` and `portal restore`: the database and the stored files in one archive, and
back again onto an empty installation.

The archive is a plain tar (any operator can list or unpack it): `manifest.json`, the database
(`database.sqlite3` from SQLite's online backup API, or `database.pgdump` from `pg_dump
--format=custom`) and `files/<name>` for every stored file. The database is snapshotted first,
the files copied after it: every file the snapshot names is in the archive unless it was deleted
in between (files are only deleted once no row names them, so a restored portal misses none it
shows). A restore refuses a database with tables or a storage with files, and a backup of
another engine or of a newer schema than this version knows.
"""

import asyncio
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import anyio
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url

from portal.config import ROOT
from portal.db import create_engine
from portal.files.storage import CHUNK_SIZE, Storage

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files/"
SPOOL_BYTES = 8 * 1024 * 1024  # a stored file up to this size is copied in memory


class BackupError(Exception):
    """What went wrong, for the person at the terminal."""


@dataclass(frozen=True)
class Manifest:
    format: int
    created_at: str
    engine: str  # "sqlite" or "postgresql"
    revision: str  # the schema's Alembic revision when it was taken
    database: str  # the member holding the database
    files: int
    bytes: int


def _engine_name(url: URL) -> str:
    return "sqlite" if url.get_backend_name() == "sqlite" else "postgresql"


def _pg_tool(program: str, options: list[str], url: URL) -> None:
    """pg_dump or pg_restore on the database `url` names; the password goes in the environment,
    never on a command line other users can read."""
    arguments = [program, *options, f"--dbname={url.database}"]
    if url.host:
        arguments.append(f"--host={url.host}")
    if url.port:
        arguments.append(f"--port={url.port}")
    if url.username:
        arguments.append(f"--username={url.username}")
    environment = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    if shutil.which(program) is None:
        raise BackupError(
            f"{program} is not installed: install PostgreSQL's client tools "
            "(Debian: apt-get install postgresql-client) and run this again."
        )
    done = subprocess.run(  # noqa: S603 (our own arguments, no shell)
        arguments, env=environment, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{program} failed: {done.stderr.strip() or done.returncode}")


async def _revision(database_url: str) -> str:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            found = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        await engine.dispose()
    return str(found or "")


async def _tables(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()


def _snapshot(url: URL, folder: Path) -> Path:
    if _engine_name(url) == "sqlite":
        target = folder / "database.sqlite3"
        source = sqlite3.connect(f"file:{url.database}?mode=ro", uri=True)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # a consistent copy while the portal keeps writing
        finally:
            copy.close()
            source.close()
        return target
    target = folder / "database.pgdump"
    _pg_tool(
        "pg_dump", ["--format=custom", "--no-owner", "--no-privileges", f"--file={target}"], url
    )
    return target


async def _add_file(archive: tarfile.TarFile, storage: Storage, name: str) -> int:
    with tempfile.SpooledTemporaryFile(SPOOL_BYTES) as spool:
        async for chunk in storage.read(name):
            spool.write(chunk)
        size = spool.tell()
        spool.seek(0)
        member = tarfile.TarInfo(FILES + name)
        member.size = size
        member.mtime = int(datetime.now(UTC).timestamp())
        archive.addfile(member, spool)
    return size


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    member = tarfile.TarInfo(name)
    member.size = len(data)
    member.mtime = int(datetime.now(UTC).timestamp())
    with tempfile.SpooledTemporaryFile() as spool:
        spool.write(data)
        spool.seek(0)
        archive.addfile(member, spool)


async def backup(database_url: str, storage: Storage, destination: Path) -> tuple[Path, Manifest]:
    """Writes `destination/portal-backup-<UTC time>.tar`; returns it and its manifest."""
    url = make_url(database_url)
    revision = await _revision(database_url)
    await anyio.Path(destination).mkdir(parents=True, exist_ok=True)
    taken = datetime.now(UTC)
    path = destination / f"portal-backup-{taken:%Y%m%dT%H%M%SZ}.tar"
    partial = path.with_suffix(".tar.partial")
    try:
        with tempfile.TemporaryDirectory() as folder:
            database = await asyncio.to_thread(_snapshot, url, Path(folder))
            names = await storage.names()
            total = 0
            with tarfile.open(partial, "w") as archive:
                archive.add(database, arcname=database.name)
                for name in names:
                    total += await _add_file(archive, storage, name)
                manifest = Manifest(
                    format=FORMAT,
                    created_at=taken.isoformat(),
                    engine=_engine_name(url),
                    revision=revision,
                    database=database.name,
                    files=len(names),
                    bytes=total,
                )
                _add_bytes(archive, MANIFEST, json.dumps(asdict(manifest), indent=2).encode())
    except BaseException:
        await anyio.Path(partial).unlink(missing_ok=True)
        raise
    partial.replace(path)  # a backup cut short is never mistaken for a whole one
    return path, manifest


@contextmanager
def _opened(archive_path: Path) -> Iterator[tuple[tarfile.TarFile, Manifest]]:
    if not tarfile.is_tarfile(archive_path):
        raise BackupError(f"{archive_path} is not a portal backup (not a tar archive).")
    with tarfile.open(archive_path, "r") as archive:
        member = archive.extractfile(MANIFEST) if MANIFEST in archive.getnames() else None
        if member is None:
            raise BackupError(f"{archive_path} has no {MANIFEST}: it is not a portal backup.")
        fields = json.loads(member.read())
        if fields.get("format") != FORMAT:
            raise BackupError(f"{archive_path} is a backup format this version cannot read.")
        yield archive, Manifest(**fields)


def _known_revisions() -> set[str]:
    scripts = ScriptDirectory(str(ROOT / "alembic"))
    return {script.revision for script in scripts.walk_revisions()}


async def _check_target(database_url: str, storage: Storage, manifest: Manifest) -> None:
    url = make_url(database_url)
    if manifest.engine != _engine_name(url):
        raise BackupError(
            f"This backup is of a {manifest.engine} database and DATABASE_URL names a "
            f"{_engine_name(url)} one: restore it onto the same engine."
        )
    if manifest.revision not in _known_revisions():
        raise BackupError(
            f"This backup's schema ({manifest.revision}) is newer than this version knows: "
            "install the version that made it (or a newer one) and restore again."
        )
    tables = await _tables(database_url)
    if tables:
        raise BackupError(
            f"The database already has {len(tables)} tables: a backup is restored onto an empty "
            "installation. Create an empty database (or name a new SQLite file) and try again."
        )
    if await storage.names():
        raise BackupError(
            "The file storage already holds files: restore onto an empty upload directory."
        )


def _restore_database(archive: tarfile.TarFile, manifest: Manifest, url: URL) -> None:
    with tempfile.TemporaryDirectory() as folder:
        archive.extract(manifest.database, folder, filter="data")
        copy = Path(folder) / manifest.database
        if manifest.engine == "sqlite":
            target = Path(str(url.database))
            target.parent.mkdir(parents=True, exist_ok=True)
            source, restored = sqlite3.connect(copy), sqlite3.connect(target)
            try:
                source.backup(restored)
            finally:
                restored.close()
                source.close()
            return
        _pg_tool("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", str(copy)], url)


async def _chunks(source: IO[bytes]) -> AsyncIterator[bytes]:
    while chunk := source.read(CHUNK_SIZE):
        yield chunk


async def restore(archive_path: Path, database_url: str, storage: Storage) -> Manifest:
    """Brings a backup back onto an empty database and storage. The schema is left at the
    backup's revision: `portal migrate` (the CLI runs it) brings it to this version's."""
    with _opened(archive_path) as (archive, manifest):
        await _check_target(database_url, storage, manifest)
        await asyncio.to_thread(_restore_database, archive, manifest, make_url(database_url))
        for member in archive.getmembers():
            if member.isfile() and member.name.startswith(FILES):
                source = archive.extractfile(member)
                if source is not None:
                    await storage.put(member.name.removeprefix(FILES), _chunks(source))
    return manifest
