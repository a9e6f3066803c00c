"""Files in an S3-compatible object store (AWS S3, MinIO, Ceph, Garage, ...): the bucket and
key prefix of `STORAGE_URL=s3://bucket/prefix`, so several hosts share one store.

boto3 is synchronous: each call runs in a worker thread, so the event loop never waits on the
network. An upload streams through in parts of `PART_SIZE` (S3's multipart upload; a file
smaller than one part is one PUT), so a large video never sits whole in memory; a refused or
broken upload aborts its parts and leaves nothing behind. A read asks for the byte range it
needs, so HTTP Range requests reach the store as ranges."""

import contextlib
import hashlib
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

import anyio
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from portal.clock import utcnow
from portal.files.storage import (
    CHUNK_SIZE,
    HEAD_SIZE,
    FileMissing,
    FileTooLarge,
    StoredFile,
    new_name,
)

PART_SIZE = 8 * 1024 * 1024  # S3's parts must be at least 5 MiB (all but the last)
MISSING = {"404", "NoSuchKey", "NotFound"}
T = TypeVar("T")


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # "" or ends in "/"
    endpoint_url: str | None
    region: str
    access_key_id: str | None
    secret_access_key: str | None


def _missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in MISSING


class S3Storage:
    def __init__(self, location: S3Location) -> None:
        self.location = location
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=location.endpoint_url,
            region_name=location.region,
            aws_access_key_id=location.access_key_id,
            aws_secret_access_key=location.secret_access_key,
            config=Config(retries={"max_attempts": 3, "mode": "standard"}),
        )

    def _key(self, name: str) -> str:
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise FileMissing(name)
        return self.location.prefix + name

    async def _call(self, method: str, **kwargs: Any) -> Any:
        return await anyio.to_thread.run_sync(
            partial(getattr(self.client, method), Bucket=self.location.bucket, **kwargs)
        )

    async def save(self, chunks: AsyncIterable[bytes], *, max_bytes: int) -> StoredFile:
        return await self._upload(new_name(), chunks, max_bytes=max_bytes)

    async def put(self, name: str, chunks: AsyncIterable[bytes]) -> None:
        """Write a stream under a name it had before (a backup being restored)."""
        await self._upload(name, chunks, max_bytes=None)

    async def _upload(
        self, name: str, chunks: AsyncIterable[bytes], *, max_bytes: int | None
    ) -> StoredFile:
        key = self._key(name)
        digest = hashlib.sha256()
        head = b""
        size = 0
        pending = bytearray()
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []

        async def send_part() -> None:
            nonlocal upload_id
            if upload_id is None:
                started = await self._call("create_multipart_upload", Key=key)
                upload_id = str(started["UploadId"])
            number = len(parts) + 1
            sent = await self._call(
                "upload_part",
                Key=key,
                UploadId=upload_id,
                PartNumber=number,
                Body=bytes(pending[:PART_SIZE]),
            )
            parts.append({"PartNumber": number, "ETag": sent["ETag"]})
            del pending[:PART_SIZE]

        try:
            async for chunk in chunks:
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise FileTooLarge(max_bytes)
                if len(head) < HEAD_SIZE:
                    head += chunk[: HEAD_SIZE - len(head)]
                digest.update(chunk)
                pending += chunk
                while len(pending) >= PART_SIZE:
                    await send_part()
            if upload_id is None:
                await self._call("put_object", Key=key, Body=bytes(pending))
            else:
                if pending:
                    await send_part()
                await self._call(
                    "complete_multipart_upload",
                    Key=key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                )
        except BaseException:
            if upload_id is not None:
                # Shielded: a cancelled request still removes its parts. Should the store not
                # answer, it keeps them until its lifecycle rule for incomplete uploads.
                with anyio.CancelScope(shield=True), contextlib.suppress(Exception):
                    await self._call("abort_multipart_upload", Key=key, UploadId=upload_id)
            raise
        return StoredFile(name=name, size=size, sha256=digest.hexdigest(), head=head)

    async def read(self, name: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        wanted = {} if start == 0 and end is None else {"Range": f"bytes={start}-{end or ''}"}
        try:
            answer = await self._call("get_object", Key=self._key(name), **wanted)
        except ClientError as error:
            if _missing(error):
                raise FileMissing(name) from error
            raise
        body = answer["Body"]
        chunks: Iterator[bytes] = body.iter_chunks(CHUNK_SIZE)
        try:
            while chunk := await anyio.to_thread.run_sync(next, chunks, b""):
                yield chunk
        finally:
            body.close()

    async def _head(self, name: str) -> dict[str, Any]:
        try:
            head: dict[str, Any] = await self._call("head_object", Key=self._key(name))
        except ClientError as error:
            if _missing(error):
                raise FileMissing(name) from error
            raise
        return head

    async def size(self, name: str) -> int:
        return int((await self._head(name))["ContentLength"])

    async def exists(self, name: str) -> bool:
        try:
            await self._head(name)
        except FileMissing:
            return False
        return True

    async def delete(self, name: str) -> None:
        try:
            await self._call("delete_object", Key=self._key(name))
        except FileMissing:
            return

    async def probe(self) -> None:
        key = f"{self.location.prefix}.probe-{new_name()}"
        await self._call("put_object", Key=key, Body=b"ok")
        await self._call("delete_object", Key=key)

    async def names(self) -> list[str]:
        """Every stored file's name (a backup copies them all)."""
        return await self.names_older_than(timedelta(days=-1))  # a cutoff after every file

    async def names_older_than(self, age: timedelta) -> list[str]:
        cutoff = utcnow() - age

        def listed() -> list[str]:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.location.bucket, Prefix=self.location.prefix
            )
            return [
                item["Key"][len(self.location.prefix) :]
                for page in pages
                for item in page.get("Contents", [])
                if item["LastModified"] < cutoff
            ]

        names = await anyio.to_thread.run_sync(listed)
        return sorted(name for name in names if name and "/" not in name and name[0] != ".")

    def download_url(self, name: str, *, content_type: str, disposition: str, seconds: int) -> str:
        """A link that lets whoever holds it download the file for `seconds`: the store
        answers with our content type and disposition."""
        url: str = self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.location.bucket,
                "Key": self._key(name),
                "ResponseContentType": content_type,
                "ResponseContentDisposition": disposition,
            },
            ExpiresIn=seconds,
        )
        return url
