import hashlib

import anyio
import pytest

from portal.files.storage import FileMissing, FileTooLarge, LocalStorage
from tests.factories import chunks_of


async def read_all(
    storage: LocalStorage, name: str, start: int = 0, end: int | None = None
) -> bytes:
    return b"".join([chunk async for chunk in storage.read(name, start, end)])


async def test_a_saved_stream_reads_back_whole_and_in_ranges(storage: LocalStorage) -> None:
    data = bytes(range(256)) * 1000
    stored = await storage.save(chunks_of(data, 4096), max_bytes=len(data))
    assert stored.size == len(data) == await storage.size(stored.name)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.head == data[:8192]
    assert await read_all(storage, stored.name) == data
    assert await read_all(storage, stored.name, 0, 9) == data[:10]
    assert await read_all(storage, stored.name, 70_000, 200_000) == data[70_000:200_001]
    assert await read_all(storage, stored.name, len(data) - 5) == data[-5:]


async def test_names_are_random_and_never_the_uploaders(storage: LocalStorage) -> None:
    first = await storage.save(chunks_of(b"a"), max_bytes=10)
    second = await storage.save(chunks_of(b"a"), max_bytes=10)
    assert first.name != second.name
    assert len(first.name) >= 32


async def test_too_large_a_stream_leaves_nothing_behind(storage: LocalStorage) -> None:
    with pytest.raises(FileTooLarge):
        await storage.save(chunks_of(b"x" * 5000), max_bytes=4000)
    assert [p async for p in anyio.Path(storage.directory).iterdir()] == []


async def test_delete_is_idempotent_and_missing_files_say_so(storage: LocalStorage) -> None:
    stored = await storage.save(chunks_of(b"hello"), max_bytes=10)
    await storage.delete(stored.name)
    await storage.delete(stored.name)
    assert not await storage.exists(stored.name)
    with pytest.raises(FileMissing):
        await storage.size(stored.name)
    with pytest.raises(FileMissing):
        await storage.size("../secret")
