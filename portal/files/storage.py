"""File storage behind a small interface, for every uploaded file the portal keeps: content
assets today, avatars, challenge image proofs and reward images next. Nothing here knows what a
file is for.

A `Storage` saves a stream under a random name (never the uploader's filename), reads back a
byte range, tells a file's size and deletes it. `LocalStorage` is a directory (by default
`settings.upload_dir`); `portal.files.s3.S3Storage` an S3-compatible bucket
(`settings.storage_url`); `portal.files.backends.storage_of` picks the one the settings name.
Files are never served from `static/`: routes stream them through `read` after checking who may
see them.
"""

import hashlib
import secrets
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Protocol

import anyio

from portal.clock import utcnow

CHUNK_SIZE = 64 * 1024
HEAD_SIZE = 8 * 1024  # enough for type sniffing by magic numbers


class FileTooLarge(Exception):
    def __init__(self, limit_bytes: int) -> None:
        self.limit_bytes = limit_bytes
        super().__init__(f"larger than {limit_bytes} bytes")


class FileMissing(Exception):
    """The stored file is not there (deleted, or the storage lost it)."""


@dataclass(frozen=True)
class StoredFile:
    name: str  # the storage name: random, safe in a path or a URL
    size: int
    sha256: str
    head: bytes  # the first bytes, for deciding the type from the content


class Storage(Protocol):
    async def save(self, chunks: AsyncIterable[bytes], *, max_bytes: int) -> StoredFile:
        """Write a stream under a new random name; over `max_bytes` raises `FileTooLarge` and
        leaves nothing behind."""
        ...

    def read(self, name: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """The bytes `start` to `end` (inclusive, like HTTP ranges; `None` = to the end)."""
        ...

    async def size(self, name: str) -> int: ...

    async def exists(self, name: str) -> bool: ...

    async def names_older_than(self, age: timedelta) -> list[str]: ...

    async def names(self) -> list[str]:
        """Every stored file's name (a backup copies them all)."""
        ...

    async def put(self, name: str, chunks: AsyncIterable[bytes]) -> None:
        """Write a stream under a name it had before (a backup being restored)."""
        ...

    async def delete(self, name: str) -> None:
        """Remove a file; a missing one is not an error (deleting twice is fine)."""
        ...

    async def probe(self) -> None:
        """Write and remove a small file: raises `OSError` when the storage cannot keep
        uploads (the readiness check)."""
        ...


def new_name() -> str:
    return secrets.token_urlsafe(24)


class LocalStorage:
    """Files in one directory on the local disk, named by `new_name()`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, name: str) -> Path:
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise FileMissing(name)
        return self.directory / name

    async def save(self, chunks: AsyncIterable[bytes], *, max_bytes: int) -> StoredFile:
        await anyio.Path(self.directory).mkdir(parents=True, exist_ok=True)
        name = new_name()
        path = self._path(name)
        digest = hashlib.sha256()
        head = b""
        size = 0
        try:
            async with await anyio.open_file(path, "xb") as out:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise FileTooLarge(max_bytes)
                    if len(head) < HEAD_SIZE:
                        head += chunk[: HEAD_SIZE - len(head)]
                    digest.update(chunk)
                    await out.write(chunk)
        except BaseException:
            await anyio.Path(path).unlink(missing_ok=True)
            raise
        return StoredFile(name=name, size=size, sha256=digest.hexdigest(), head=head)

    async def read(self, name: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        path = self._path(name)
        try:
            file = await anyio.open_file(path, "rb")
        except FileNotFoundError as error:
            raise FileMissing(name) from error
        async with file:
            await file.seek(start)
            remaining = None if end is None else end - start + 1
            while remaining is None or remaining > 0:
                chunk = await file.read(
                    CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining)
                )
                if not chunk:
                    break
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    async def size(self, name: str) -> int:
        try:
            return (await anyio.Path(self._path(name)).stat()).st_size
        except FileNotFoundError as error:
            raise FileMissing(name) from error

    async def probe(self) -> None:
        await anyio.Path(self.directory).mkdir(parents=True, exist_ok=True)
        # A dot name: the orphan sweep and `_path` never take it for an upload.
        probe = anyio.Path(self.directory / f".probe-{new_name()}")
        await probe.write_bytes(b"ok")
        await probe.unlink()

    async def exists(self, name: str) -> bool:
        try:
            return await anyio.Path(self._path(name)).is_file()
        except FileMissing:
            return False

    async def delete(self, name: str) -> None:
        try:
            await anyio.Path(self._path(name)).unlink(missing_ok=True)
        except FileMissing:
            return

    async def names_older_than(self, age: timedelta) -> list[str]:
        """Stored files last written more than `age` ago (the orphan sweep's candidates)."""
        return await self._listing(written_before=(utcnow() - age).timestamp())

    async def names(self) -> list[str]:
        return await self._listing(written_before=None)

    async def _listing(self, *, written_before: float | None) -> list[str]:
        directory = anyio.Path(self.directory)
        if not await directory.is_dir():
            return []
        names = []
        async for path in directory.iterdir():
            if path.name.startswith("."):
                continue
            if written_before is None or (await path.stat()).st_mtime < written_before:
                names.append(path.name)
        return sorted(names)

    async def put(self, name: str, chunks: AsyncIterable[bytes]) -> None:
        await anyio.Path(self.directory).mkdir(parents=True, exist_ok=True)
        path = self._path(name)
        try:
            async with await anyio.open_file(path, "xb") as out:
                async for chunk in chunks:
                    await out.write(chunk)
        except FileExistsError:
            raise
        except BaseException:
            await anyio.Path(path).unlink(missing_ok=True)
            raise


class Readable(Protocol):
    async def read(self, size: int = -1) -> bytes: ...


async def iterate_file(file: Readable, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
    """Chunks of an uploaded file (Starlette's `UploadFile` has an async `read`)."""
    while chunk := await file.read(chunk_size):
        yield chunk


def storage_for(upload_dir: Path | None) -> LocalStorage:
    """The directory storage of `settings.upload_dir` (always set once the settings are
    validated); `portal.files.backends.storage_of` also knows the object store."""
    if upload_dir is None:
        raise ValueError("settings.upload_dir is not set")
    return LocalStorage(upload_dir)
