"""Pure ASGI middleware: request ids, security headers, CSRF, and one unit of work per request."""

import hmac
import secrets
import uuid
from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.db import KEEP_ON_CLIENT_ERROR, only_read
from portal.jobs import JobQueue, take_pending

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
MAX_FORM_BYTES = 1024 * 1024
MAX_CSRF_PREFIX_BYTES = 64 * 1024

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def _state(scope: Scope) -> MutableMapping[str, Any]:
    state: MutableMapping[str, Any] = scope.setdefault("state", {})
    return state


# The request being answered, for every log line written while it is (portal.operations.logs).
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)


class RequestId:
    """Gives every request an id, shown on error pages, sent as `X-Request-ID` and carried by
    the log lines written while it is answered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex[:12]
        _state(scope)["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        token = current_request_id.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            current_request_id.reset(token)


def add_security_headers(headers: MutableHeaders, *, https: bool) -> None:
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if https:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_security_headers(MutableHeaders(scope=message), https=self.https)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def csrf_token(session: MutableMapping[str, Any]) -> str:
    """The session's CSRF token, made on first use."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


class CSRF:
    """Every state-changing request carries the session's token, as the `X-CSRF-Token` header
    (htmx sends it from a meta tag) or as the `csrf_token` form field. For multipart uploads the
    field must come first, so the upload itself streams through without being buffered."""

    def __init__(self, app: ASGIApp, *, exempt_prefixes: tuple[str, ...] = ()) -> None:
        self.app = app
        self.exempt_prefixes = exempt_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] in SAFE_METHODS
            or scope["path"].startswith(self.exempt_prefixes)
        ):
            await self.app(scope, receive, send)
            return
        expected = scope.get("session", {}).get("csrf")
        headers = Headers(scope=scope)
        content_type = headers.get("content-type", "")
        sent: str | None = headers.get(CSRF_HEADER)
        consumed: list[Message] = []
        if sent is None and content_type.startswith("application/x-www-form-urlencoded"):
            body, consumed = await _read_body(receive, MAX_FORM_BYTES)
            if body is None:
                await _reject(scope, receive, send, 413, "This form is too large.")
                return
            sent = parse_qs(body.decode("latin-1")).get(CSRF_FIELD, [None])[0]
        elif sent is None and content_type.startswith("multipart/form-data"):
            sent, consumed = await _first_multipart_field(receive, headers, CSRF_FIELD)
        if not (
            isinstance(expected, str)
            and sent
            and hmac.compare_digest(expected.encode(), sent.encode())
        ):
            await _reject(
                scope,
                receive,
                send,
                403,
                "This form has expired or did not come from this site. "
                "Go back, reload the page and try again.",
            )
            return
        await self.app(scope, _replay(consumed, receive), send)


async def _read_body(receive: Receive, limit: int) -> tuple[bytes | None, list[Message]]:
    consumed: list[Message] = []
    body = b""
    while True:
        message = await receive()
        consumed.append(message)
        if message["type"] != "http.request":
            return body, consumed
        body += message.get("body", b"")
        if len(body) > limit:
            return None, consumed
        if not message.get("more_body", False):
            return body, consumed


async def _first_multipart_field(
    receive: Receive, headers: Headers, name: str
) -> tuple[str | None, list[Message]]:
    """Reads just enough of a multipart body to get its first part, if that part is `name`."""
    boundary = headers.get("content-type", "").partition("boundary=")[2].strip('"').encode()
    consumed: list[Message] = []
    prefix = b""
    more = True
    delimiter = b"--" + boundary
    while more and len(prefix) < MAX_CSRF_PREFIX_BYTES:
        message = await receive()
        consumed.append(message)
        prefix += message.get("body", b"")
        more = message.get("more_body", False) and message["type"] == "http.request"
        if boundary and prefix.count(delimiter) >= 2:
            break
    if not boundary or prefix.count(delimiter) < 2:
        return None, consumed
    first_part = prefix.split(delimiter)[1]
    part_headers, _, value = first_part.partition(b"\r\n\r\n")
    if f'name="{name}"'.encode() not in part_headers:
        return None, consumed
    return value.removesuffix(b"\r\n").decode("utf-8", "replace"), consumed


def _replay(consumed: list[Message], receive: Receive) -> Receive:
    pending = list(consumed)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


async def _reject(scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
    response: Response
    if scope["path"].startswith("/api/"):
        response = JSONResponse({"error": message}, status_code=status)
    else:
        response = HTMLResponse(
            "<!doctype html><title>Request refused</title>"
            '<link rel="stylesheet" href="/static/css/portal.css">'
            f'<main class="error-page"><h1>Request refused</h1><p>{message}</p>'
            '<p><a href="/">Go to the home page</a></p></main>',
            status_code=status,
        )
    await response(scope, receive, send)


class UnitOfWork:
    """One database session per request. It commits just before the status line goes out, and
    only for a status below 400 (or a 4xx whose request kept its writes on purpose, see
    `db.keep_despite_client_error`), and never for a request marked read-only; jobs the
    request queued are sent after the commit. A request that only read (`db.only_read`) ends
    its transaction without a commit."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        job_queue: JobQueue,
    ) -> None:
        self.app = app
        self.sessionmaker = sessionmaker
        self.job_queue = job_queue

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        async with self.sessionmaker() as session:
            _state(scope)["db"] = session
            committed = False

            async def send_after_commit(message: Message) -> None:
                nonlocal committed
                if message["type"] == "http.response.start":
                    status = message["status"]
                    # `read_only`: a request that must leave nothing behind (a staff member
                    # viewing the portal as someone: portal.people.viewing).
                    keep = status < 400 or (status < 500 and session.info.get(KEEP_ON_CLIENT_ERROR))
                    if keep and not _state(scope).get("read_only"):
                        if only_read(session):  # ends the snapshot; nothing to commit
                            await session.rollback()
                        else:
                            await session.commit()
                        committed = True
                    else:
                        await session.rollback()
                await send(message)

            await self.app(scope, receive, send_after_commit)
            jobs = take_pending(session) if committed else []
        if jobs:
            await self.job_queue.send(jobs)
