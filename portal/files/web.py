"""Serving stored files over HTTP: attachment or inline, and byte ranges (206 / 416) so a
video can seek. Files always leave with `X-Content-Type-Options: nosniff` and a sandboxing
Content-Security-Policy of their own."""

import re
from dataclasses import dataclass
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from portal.errors import NotFound
from portal.files.backends import storage_of
from portal.files.s3 import S3Storage
from portal.files.storage import FileMissing, Storage
from portal.i18n import N_
from portal.web import settings

FILE_POLICY = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
RANGE = re.compile(r"bytes=(\d*)-(\d*)")


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive


class Unsatisfiable(Exception):
    pass


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """One `bytes=` range; None means "send it all" (no header, or several ranges, which we
    may ignore). Raises `Unsatisfiable` for a range outside the file or malformed."""
    if not header:
        return None
    header = header.strip()
    if "," in header:
        return None
    match = RANGE.fullmatch(header.replace(" ", ""))
    if match is None:
        raise Unsatisfiable(header)
    first, last = match.groups()
    if not first and not last:
        raise Unsatisfiable(header)
    if not first:  # a suffix: the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable(header)
        return ByteRange(max(0, size - suffix), size - 1)
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        raise Unsatisfiable(header)
    return ByteRange(start, min(end, size - 1))


def content_disposition(kind: str, filename: str) -> str:
    """RFC 6266 with the RFC 5987 `filename*` for names that are not plain ASCII."""
    fallback = "".join(
        ch if 32 <= ord(ch) < 127 and ch not in '"\\%;' else "_" for ch in filename
    ).strip()
    value = f'{kind}; filename="{fallback or "download"}"'
    if fallback != filename:
        value += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return value


async def file_response(
    request: Request,
    storage: Storage,
    *,
    name: str,
    content_type: str,
    filename: str,
    inline: bool,
) -> Response:
    disposition = content_disposition("inline" if inline else "attachment", filename)
    try:
        size = await storage.size(name)
    except FileMissing as error:
        raise NotFound(
            N_("The file for this item is missing. Please tell the program team.")
        ) from error
    config = settings(request)
    if config.storage_redirect_downloads and isinstance(storage, S3Storage):
        # The store serves the bytes (and the ranges) itself; the link is for this viewer,
        # who was just allowed to see the file, and expires soon.
        link = storage.download_url(
            name,
            content_type=content_type,
            disposition=disposition,
            seconds=config.storage_link_seconds,
        )
        return RedirectResponse(link, status_code=307, headers={"Cache-Control": "no-store"})
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Disposition": disposition,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": FILE_POLICY,
        "Cache-Control": "private, max-age=0, must-revalidate",
    }
    try:
        byte_range = parse_range(request.headers.get("range"), size)
    except Unsatisfiable:
        return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    if byte_range is None:
        return StreamingResponse(
            storage.read(name),
            media_type=content_type,
            headers={**headers, "Content-Length": str(size)},
        )
    return StreamingResponse(
        storage.read(name, byte_range.start, byte_range.end),
        status_code=206,
        media_type=content_type,
        headers={
            **headers,
            "Content-Length": str(byte_range.end - byte_range.start + 1),
            "Content-Range": f"bytes {byte_range.start}-{byte_range.end}/{size}",
        },
    )


def storage(request: Request) -> Storage:
    """The file storage uploads go to (avatars, proofs, content, reward images)."""
    return storage_of(settings(request))
