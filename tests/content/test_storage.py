"""One suite for every storage backend: the local directory and an S3-compatible store (moto
in server mode on a loopback port)."""

import hashlib
from datetime import timedelta

import pytest

from portal.files import s3
from portal.files.storage import FileMissing, FileTooLarge, Storage
from tests.conftest import S3Server
from tests.content.conftest import s3_storage
from tests.factories import chunks_of

EVERYTHING = timedelta(days=-1)  # names_older_than with a cutoff in the future: every file


async def read_all(storage: Storage, name: str, start: int = 0, end: int | None = None) -> bytes:
    return b"".join([chunk async for chunk in storage.read(name, start, end)])


async def test_a_saved_stream_reads_back_whole_and_in_ranges(any_storage: Storage) -> None:
    data = bytes(range(256)) * 1000
    stored = await any_storage.save(chunks_of(data, 4096), max_bytes=len(data))
    assert stored.size == len(data) == await any_storage.size(stored.name)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.head == data[:8192]
    assert await read_all(any_storage, stored.name) == data
    assert await read_all(any_storage, stored.name, 0, 9) == data[:10]
    assert await read_all(any_storage, stored.name, 70_000, 200_000) == data[70_000:200_001]
    assert await read_all(any_storage, stored.name, len(data) - 5) == data[-5:]


async def test_names_are_random_and_never_the_uploaders(any_storage: Storage) -> None:
    first = await any_storage.save(chunks_of(b"a"), max_bytes=10)
    second = await any_storage.save(chunks_of(b"a"), max_bytes=10)
    assert first.name != second.name
    assert len(first.name) >= 32
    assert await any_storage.names_older_than(EVERYTHING) == sorted([first.name, second.name])


async def test_too_large_a_stream_leaves_nothing_behind(any_storage: Storage) -> None:
    with pytest.raises(FileTooLarge):
        await any_storage.save(chunks_of(b"x" * 5000), max_bytes=4000)
    assert await any_storage.names_older_than(EVERYTHING) == []


async def test_delete_is_idempotent_and_missing_files_say_so(any_storage: Storage) -> None:
    stored = await any_storage.save(chunks_of(b"hello"), max_bytes=10)
    await any_storage.delete(stored.name)
    await any_storage.delete(stored.name)
    assert not await any_storage.exists(stored.name)
    with pytest.raises(FileMissing):
        await any_storage.size(stored.name)
    with pytest.raises(FileMissing):
        await any_storage.size("../secret")
    with pytest.raises(FileMissing):
        await read_all(any_storage, stored.name)


async def test_the_probe_leaves_no_file(any_storage: Storage) -> None:
    await any_storage.probe()
    assert await any_storage.names_older_than(EVERYTHING) == []


async def test_a_large_upload_goes_up_in_parts_and_a_refused_one_leaves_no_parts(
    s3_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    monkeypatch.setattr(s3, "PART_SIZE", 5 * 1024 * 1024)  # S3's smallest part
    bucket = s3_server.new_bucket()
    storage = s3_storage(s3_server, bucket)
    data = bytes(range(256)) * (45 * 1024)  # 11.25 MiB: three parts
    stored = await storage.save(chunks_of(data, 256 * 1024), max_bytes=len(data))
    client = boto3.client("s3", **s3_server.client_options())
    head = client.head_object(Bucket=bucket, Key=f"uploads/{stored.name}")
    assert head["ETag"].strip('"').endswith("-3")  # a multipart object names its part count
    assert await read_all(storage, stored.name, 5_242_870, 5_242_889) == data[5_242_870:5_242_890]

    with pytest.raises(FileTooLarge):
        await storage.save(chunks_of(data, 256 * 1024), max_bytes=len(data) - 1)
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert await storage.names_older_than(EVERYTHING) == [stored.name]


async def test_files_stay_under_the_prefix(s3_server: S3Server) -> None:
    import boto3

    bucket = s3_server.new_bucket()
    client = boto3.client("s3", **s3_server.client_options())
    client.put_object(Bucket=bucket, Key="backups/other.txt", Body=b"not ours")
    storage = s3_storage(s3_server, bucket, prefix="portal/files/")
    stored = await storage.save(chunks_of(b"ours"), max_bytes=10)
    keys = [item["Key"] for item in client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert sorted(keys) == ["backups/other.txt", f"portal/files/{stored.name}"]
    assert await storage.names_older_than(EVERYTHING) == [stored.name]


async def test_the_store_lists_every_file_and_takes_one_back_under_its_name(
    s3_server: S3Server,
) -> None:
    """What a backup and a restore ask of a storage (`names`, `put`), in the bucket."""
    storage = s3_storage(s3_server, s3_server.new_bucket())
    first = await storage.save(chunks_of(b"uploaded"), max_bytes=20)
    await storage.put("Kp3-restored_name", chunks_of(b"from a backup"))
    assert await storage.names() == sorted([first.name, "Kp3-restored_name"])
    assert await read_all(storage, "Kp3-restored_name") == b"from a backup"
    with pytest.raises(FileMissing):
        await storage.put("../outside", chunks_of(b"x"))
