"""`portal backup` and `portal restore`: the database and every stored file, into a directory
and back onto an empty installation.

The database is copied first, as one consistent snapshot while the portal keeps serving:
SQLite's online backup API, or `pg_dump` (one transaction) for PostgreSQL. The stored files
are copied after it, each with its size and sha256 in `manifest.json`: a file uploaded in
between is simply not named by the snapshot (the orphan sweep removes it after a restore), and
files are never changed in place, only added and deleted, so what the snapshot names is there
unless it was deleted in those minutes (the backup then says which). A restore refuses a
database with tables or a storage with files in it, and checks every file's sha256."""

import asyncio
import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from sqlalchemy import inspect, make_url, text
from sqlalchemy.engine import URL

from portal.clock import utcnow
from portal.config import Settings
from portal.db import create_engine
from portal.files.backends import storage_of
from portal.files.storage import CHUNK_SIZE, FileMissing, FileTooLarge, Storage

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
FILES = "files"


class BackupError(Exception):
    """Why a backup or a restore cannot go on, said for the person running it."""


@dataclass(frozen=True)
class Summary:
    database: str
    revisions: list[str]
    files: int
    missing: list[str]  # named by the snapshot, deleted before they were copied


def _sqlite_path(url: URL) -> Path:
    if not url.database:
        raise BackupError("DATABASE_URL names no SQLite file.")
    return Path(url.database)


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The URL pg_dump and pg_restore take, and the password kept out of their command line
    (where `ps` would show it)."""
    plain = url.set(drivername="postgresql", password=None)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return plain.render_as_string(hide_password=False), env


async def _run(*command: str, env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (it comes with the PostgreSQL client).")
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _, errors = await process.communicate()
    if process.returncode != 0:
        raise BackupError(f"{command[0]} failed: {errors.decode(errors='replace').strip()}")


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy while other connections keep writing."""
    reader = sqlite3.connect(source)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer)
    finally:
        reader.close()
        writer.close()


async def _revisions(settings: Settings) -> list[str]:
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
            return sorted(str(version) for version in rows.scalars())
    finally:
        await engine.dispose()


async def _tables(settings: Settings) -> list[str]:
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as connection:
            names: list[str] = await connection.run_sync(
                lambda sync: inspect(sync).get_table_names()
            )
            return names
    finally:
        await engine.dispose()


async def _copy_out(storage: Storage, name: str, target: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    size = 0
    async with await anyio.open_file(target, "xb") as out:
        async for chunk in storage.read(name):
            digest.update(chunk)
            size += len(chunk)
            await out.write(chunk)
    return {"size": size, "sha256": digest.hexdigest()}


def _prepare(target: Path) -> None:
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: back up into a new directory.")
    (target / FILES).mkdir(parents=True, exist_ok=True)


async def backup(settings: Settings, target: Path) -> Summary:
    await anyio.to_thread.run_sync(_prepare, target)
    url = make_url(settings.database_url)
    revisions = await _revisions(settings)
    if settings.is_sqlite:
        await anyio.to_thread.run_sync(_sqlite_copy, _sqlite_path(url), target / SQLITE_FILE)
        kind = "sqlite"
    else:
        dsn, env = _libpq(url)
        await _run(
            "pg_dump", "--format=custom", "--no-owner", "--no-privileges",
            f"--file={target / PG_FILE}", f"--dbname={dsn}", env=env,
        )  # fmt: skip
        kind = "postgresql"
    storage = storage_of(settings)
    files: dict[str, dict[str, Any]] = {}
    missing = []
    for name in await storage.names():
        try:
            files[name] = await _copy_out(storage, name, target / FILES / name)
        except FileMissing:
            await anyio.Path(target / FILES / name).unlink(missing_ok=True)
            missing.append(name)
    manifest = {
        "format": FORMAT,
        "created_at": utcnow().isoformat(),
        "database": kind,
        "revisions": revisions,
        "files": files,
    }
    await anyio.Path(target / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return Summary(kind, revisions, len(files), missing)


def _manifest(source: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text())
    except FileNotFoundError as error:
        raise BackupError(f"{source} has no {MANIFEST}: it is not a portal backup.") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source} is a backup of an unknown format.")
    return manifest


async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
    async with await anyio.open_file(path, "rb") as file:
        while chunk := await file.read(CHUNK_SIZE):
            yield chunk


async def restore(settings: Settings, source: Path) -> Summary:
    manifest = await anyio.to_thread.run_sync(_manifest, source)
    kind = "sqlite" if settings.is_sqlite else "postgresql"
    if manifest["database"] != kind:
        raise BackupError(
            f"This is a backup of a {manifest['database']} database; DATABASE_URL names a "
            f"{kind} one."
        )
    if settings.is_sqlite:
        folder = _sqlite_path(make_url(settings.database_url)).parent
        await anyio.Path(folder).mkdir(parents=True, exist_ok=True)
    if await _tables(settings):
        raise BackupError("The database already has tables: restore onto an empty database.")
    storage = storage_of(settings)
    if await storage.names():
        raise BackupError("The file storage already holds files: restore onto an empty one.")
    url = make_url(settings.database_url)
    if kind == "sqlite":
        await anyio.to_thread.run_sync(_sqlite_copy, source / SQLITE_FILE, _sqlite_path(url))
    else:
        dsn, env = _libpq(url)
        await _run(
            "pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
            f"--dbname={dsn}", str(source / PG_FILE), env=env,
        )  # fmt: skip
    for name, expected in sorted(manifest["files"].items()):
        damaged = BackupError(f"{FILES}/{name} is damaged: it is not the file the manifest names.")
        try:
            stored = await storage.save_as(
                name, _file_chunks(source / FILES / name), max_bytes=int(expected["size"])
            )
        except FileTooLarge as error:
            raise damaged from error
        if stored.sha256 != expected["sha256"]:
            await storage.delete(name)
            raise damaged
    return Summary(kind, list(manifest["revisions"]), len(manifest["files"]), [])
