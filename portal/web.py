"""Shared web parts, nothing domain-specific: the request's database session and settings,
render and redirect (page or htmx partial), flash messages, small parsing helpers."""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar, cast
from urllib.parse import quote, urlencode, urlsplit

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.config import Settings
from portal.errors import PortalError
from portal.forms import query_number
from portal.templating import templates
from portal.tokens import keyed_hash

Endpoint = Callable[[Request], Awaitable[Response]]


T = TypeVar("T")
# What may stay as it is in a path and query; everything else is percent-encoded.
URL_SAFE = "/?&=%#:@+,;~!$'()*-._"
MAX_PAGE = 100_000  # far past any list; keeps OFFSET well within int8


def db(request: Request) -> AsyncSession:
    return cast(AsyncSession, request.state.db)


def settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths, so a `next` parameter can't send people elsewhere. Control
    characters, spaces and backslashes are refused (browsers drop tabs and line breaks and read
    a backslash as a slash, which can turn a path into `//evil.example`); other characters
    beyond ASCII are percent-encoded, so the result is always safe in a Location or HX-Redirect
    header."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ch.isspace() or not ch.isprintable() for ch in target):
        return default
    target = quote(target, safe=URL_SAFE)
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def flash(request: Request, message: str, kind: str = "success") -> None:
    request.session.setdefault("flash", []).append({"kind": kind, "message": message})


async def flash_outcome(
    request: Request, action: Callable[[], Awaitable[T]], describe: Callable[[T], str]
) -> None:
    """Runs a staff action from a list page and flashes how it went (the next page shows it);
    a "not found" still goes to the 404 page."""
    try:
        done = await action()
    except PortalError as error:
        if error.status_code == 404:
            raise
        flash(request, error.message, "error")
    else:
        flash(request, describe(done))


def render(
    request: Request,
    page: str,
    context: Mapping[str, object] | None = None,
    *,
    partial: str | None = None,
    status_code: int = 200,
    trigger: str | None = None,
) -> Response:
    """The page, or only its partial for an htmx request: one template serves both."""
    name = partial if partial is not None and is_htmx(request) else page
    response = templates.TemplateResponse(
        request, name, dict(context or {}), status_code=status_code
    )
    response.headers["Vary"] = "HX-Request"
    if trigger is not None:
        response.headers["HX-Trigger"] = trigger
    return response


def redirect(
    request: Request, route: str, *, query: Mapping[str, str] | None = None, **params: Any
) -> Response:
    url = str(request.url_for(route, **params))
    if query:
        url += "?" + urlencode(query)
    return redirect_to(request, url)


def redirect_to(request: Request, url: str) -> Response:
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def client_key(request: Request) -> str:
    """A salted hash of the client's address: for counting and fraud checks, never stored raw."""
    return keyed_hash(settings(request).secret_key.get_secret_value(), client_address(request))


def page_number(request: Request) -> int:
    """`?page=`: 1 when absent, 400 when it is not a page number."""
    return query_number(request.query_params, "page", minimum=1, maximum=MAX_PAGE) or 1
