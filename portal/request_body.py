"""Reading a request's body before any database work, within the route's limit and in time.

A request opens its database transaction only after its whole body has arrived (see
`people.access`): a client that trickles a body one byte a second, or sends a huge one, then
holds nothing but its own connection: no SQLite write lock, no PostgreSQL pool connection.

Every endpoint accepts a small form (`SMALL_BODY`) unless it declares an upload with
`@accepts_upload(...)` (the image or file limit from the settings, plus room for the other
fields). A body that says it is too large is refused before a byte is read; one that does not say
(chunked) is refused as soon as it passes the limit. The body is kept in memory up to
`SPOOL_IN_MEMORY` and in a temporary file beyond, then replayed to the endpoint, whose form
parsing sees it as if it came from the network.
"""

import contextlib
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio
from starlette.requests import Request
from starlette.types import Message, Receive

from portal.config import Settings
from portal.errors import PortalError
from portal.i18n import N_

MB = 1024 * 1024
SMALL_BODY = 64 * 1024  # every form that carries no file
FORM_ALLOWANCE = MB  # room for the other fields next to an uploaded file
SPOOL_IN_MEMORY = MB
IDLE_TIMEOUT = 20.0  # seconds without a byte of the body
SMALL_BODY_TIMEOUT = 30.0  # seconds for the whole of a small body
CHUNK = 64 * 1024
LIST_MB = 5

FileLimitMb = Callable[[Settings], int]
Endpoint = Callable[[Request], Awaitable[Any]]


class BodyTooLarge(PortalError):
    status_code = 413


class BodyTimeout(PortalError):
    status_code = 408
    message = N_("The form took too long to arrive. Nothing was saved: please try again.")


@dataclass(frozen=True)
class BodyLimit:
    max_bytes: int
    refusal: str


SMALL_FORM = BodyLimit(
    SMALL_BODY,
    f"This form is larger than a form can be ({SMALL_BODY // 1024} KB). Nothing was saved.",
)


def accepts_upload(file_limit_mb: FileLimitMb) -> Callable[[Endpoint], Endpoint]:
    """Declares that an endpoint takes a file of up to `file_limit_mb(settings)` MB."""

    def declare(endpoint: Endpoint) -> Endpoint:
        endpoint.file_limit_mb = file_limit_mb  # type: ignore[attr-defined]
        return endpoint

    return declare


def upload_mb(settings: Settings) -> int:
    return settings.max_upload_mb


def image_mb(settings: Settings) -> int:
    return settings.max_image_mb


def list_mb(settings: Settings) -> int:
    """Pasted or uploaded lists (code pools, email lists): thousands of lines."""
    return LIST_MB


def limit_of(endpoint: Endpoint, settings: Settings) -> BodyLimit:
    file_limit_mb: FileLimitMb | None = getattr(endpoint, "file_limit_mb", None)
    if file_limit_mb is None:
        return SMALL_FORM
    megabytes = file_limit_mb(settings)
    return BodyLimit(
        megabytes * MB + FORM_ALLOWANCE,
        f"That upload is larger than the limit of {megabytes} MB. Nothing was saved.",
    )


@contextlib.asynccontextmanager
async def whole_body(request: Request, limit: BodyLimit) -> AsyncIterator[Request]:
    """The request with its body read to the end (or refused), ready to be parsed again; the
    stored body is let go when the block ends."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        yield request
        return
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit.max_bytes:
        raise BodyTooLarge(limit.refusal)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        try:
            with anyio.fail_after(SMALL_BODY_TIMEOUT if limit is SMALL_FORM else None):
                size = await _receive_into(request.receive, spool, limit)
        except TimeoutError as error:
            raise BodyTimeout() from error
        spool.seek(0)
        yield Request(request.scope, _replay(spool, size, request.receive))


async def _receive_into(receive: Receive, spool: Any, limit: BodyLimit) -> int:
    """Writes the body into `spool`; returns its size."""
    size = 0
    while True:
        with anyio.fail_after(IDLE_TIMEOUT):
            message = await receive()
        if message["type"] != "http.request":
            return size  # the client went away: the endpoint sees what arrived
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit.max_bytes:
            raise BodyTooLarge(limit.refusal)
        spool.write(chunk)
        if not message.get("more_body", False):
            return size


def _replay(spool: Any, size: int, receive: Receive) -> Receive:
    """A `receive` that hands out the stored body, then whatever the client sends next (the
    disconnect)."""
    done = False

    async def replay() -> Message:
        nonlocal done
        if done:
            return await receive()
        chunk = spool.read(CHUNK)
        more = spool.tell() < size
        done = not more
        return {"type": "http.request", "body": chunk, "more_body": more}

    return replay
