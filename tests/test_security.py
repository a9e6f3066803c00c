"""The security rules of DESIGN.md §2 and §10, checked over the whole route table: CSRF on every
state-changing route, an access rule on every endpoint, the permission matrix of /manage/,
the security headers and cookie flags, and error pages that show a request id and no traceback.
"""

import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.convertors import Convertor, IntegerConvertor
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from portal.app import CSRF_EXEMPT, create_app
from portal.config import Settings
from portal.people.access import Access
from tests.factories import (
    csrf_token,
    login_as,
    make_admin,
    make_advocate,
    make_marketer,
)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SKIPPED_MOUNTS = frozenset({"/static"})


@dataclass(frozen=True)
class AppRoute:
    """One endpoint of the route table, with its full path template (mount prefixes included)."""

    path: str
    methods: frozenset[str]
    endpoint: Callable[..., Any]
    convertors: dict[str, Convertor[Any]] = field(default_factory=dict)

    @property
    def access(self) -> Access | None:
        return getattr(self.endpoint, "access", None)

    def url(self, user_id: int) -> str:
        """The path with plausible values: int parameters name a real user, others are "x"."""
        values = {
            name: str(user_id) if isinstance(convertor, IntegerConvertor) else "x"
            for name, convertor in self.convertors.items()
        }
        return self.path.format(**values)


def walk(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[AppRoute]:
    for route in routes:
        if isinstance(route, Mount):
            path = prefix + route.path
            if path in SKIPPED_MOUNTS:
                continue
            if not route.routes:  # a mounted app of its own: it must say who may use it too
                yield AppRoute(path + "/", frozenset(), route.app)
            yield from walk(route.routes, path)
        elif isinstance(route, Route):
            yield AppRoute(
                prefix + route.path_format,
                frozenset(route.methods or ()),
                route.endpoint,
                dict(route.param_convertors),
            )
        else:  # websockets, hosts...: unknown here, so they fail the access check below
            yield AppRoute(prefix + str(getattr(route, "path", route)), frozenset(), route)


def _route_table() -> list[AppRoute]:
    settings = Settings(
        portal_env="test",
        var_dir=Path(tempfile.gettempdir()) / "portal-route-table",
        database_url="sqlite+aiosqlite://",
        redis_url=None,
        smtp_url=None,
        secret_key="test-secret-key-that-is-long-enough-for-signing",  # type: ignore[arg-type]
        base_url="http://portal.test",
        jobs_inline=True,
    )
    app = create_app(settings, sessionmaker=async_sessionmaker())
    return list(walk(app.router.routes))


ROUTES = _route_table()
# The one deliberate exception, declared in portal.app: one-click unsubscribe (RFC 8058) is
# POSTed by mail programs with no session; its signed link is the authority.
CSRF_EXEMPT_ROUTES = [route for route in ROUTES if route.path.startswith(CSRF_EXEMPT)]
UNSAFE_ROUTES = [
    route
    for route in ROUTES
    if route.methods & UNSAFE_METHODS and not route.path.startswith(CSRF_EXEMPT)
]
PRIVATE_PAGES = [
    route
    for route in ROUTES
    if "GET" in route.methods and route.access is not None and not route.access.public
]
MANAGE_ROUTES = [
    (method, route)
    for route in ROUTES
    if route.path.startswith("/manage/")
    for method in sorted(route.methods & (UNSAFE_METHODS | {"GET"}))
]


def _location(response: httpx.Response) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(response.headers["location"])
    return parts.path, parse_qs(parts.query)


# --- every endpoint has an access rule ------------------------------------------------------


def test_only_the_unsubscribe_link_and_the_token_api_skip_csrf() -> None:
    # The API's writes authenticate by bearer token only, never by the session cookie, so a
    # cross-site request carries nothing they accept (tests/api/test_tokens.py).
    paths = {route.path for route in CSRF_EXEMPT_ROUTES}
    assert {path for path in paths if not path.startswith("/api/v1/")} == {"/unsubscribe/{token}"}
    assert all(
        hasattr(route.endpoint, "operation") or route.methods <= {"GET", "HEAD"}
        for route in CSRF_EXEMPT_ROUTES
        if route.path.startswith("/api/v1/")
    )


def test_the_route_table_is_collected() -> None:
    paths = {route.path for route in ROUTES}
    assert {"/", "/login", "/profile", "/manage/people/{user_id}"} <= paths
    assert not any(path.startswith("/static") for path in paths)
    assert UNSAFE_ROUTES
    assert PRIVATE_PAGES
    assert MANAGE_ROUTES


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.path)
def test_every_endpoint_declares_who_may_call_it(route: AppRoute) -> None:
    assert isinstance(route.access, Access), (
        f"{route.path} has no access rule: decorate it with @public, @signed_in or @requires(...)"
    )


# --- CSRF -------------------------------------------------------------------------------------


async def test_every_state_changing_route_refuses_a_missing_or_wrong_csrf_token(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_admin(session)
    target = await make_advocate(session, password=None)
    await login_as(client, admin)
    real_token = await csrf_token(client, "/profile")  # the session has a token to compare with
    form = {"display_name": "Mallory", "email": "mallory@example.com", "roles": "admin"}
    attempts: dict[str, dict[str, Any]] = {
        "no token": {"data": form},
        "empty token": {"data": {"csrf_token": "", **form}},
        "wrong form token": {"data": {"csrf_token": real_token[::-1], **form}},
        "wrong header token": {"data": form, "headers": {"X-CSRF-Token": "not-the-token"}},
    }
    accepted = []
    checked = 0
    for route in UNSAFE_ROUTES:
        for method in sorted(route.methods & UNSAFE_METHODS):
            url = route.url(target.id)
            for label, kwargs in attempts.items():
                response = await client.request(method, url, **kwargs)
                checked += 1
                if response.status_code != 403:
                    accepted.append(f"{method} {url} ({label}): {response.status_code}")
    assert checked >= len(UNSAFE_ROUTES) * len(attempts)
    assert not accepted, "state-changing requests without the right CSRF token got through"
    # Nothing went through: not even POST /logout.
    assert (await client.get("/profile")).status_code == 200


async def test_the_csrf_token_in_the_header_is_accepted(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_admin(session, name="Alex Admin")
    await login_as(client, admin)
    token = await csrf_token(client, "/profile")
    response = await client.post(
        "/profile",
        data={"display_name": "Alexandra Admin", "company": "Acme", "job_title": "Boss"},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 303, response.text
    await session.refresh(admin)
    assert admin.display_name == "Alexandra Admin"


def multipart(
    fields: list[tuple[str, str]], boundary: str = "portal-test-boundary"
) -> dict[str, Any]:
    """A multipart/form-data body with its parts in exactly the given order."""
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields
    )
    return {
        "content": body + f"--{boundary}--\r\n".encode(),
        "headers": {"Content-Type": f"multipart/form-data; boundary={boundary}"},
    }


async def test_a_multipart_form_needs_the_csrf_token_as_its_first_part(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session, name="Ada")
    await login_as(client, advocate)
    token = await csrf_token(client, "/profile")
    profile = [("company", "Acme"), ("job_title", "Engineer")]

    first = await client.post(
        "/profile", **multipart([("csrf_token", token), ("display_name", "Ada Byron"), *profile])
    )
    assert first.status_code == 303, first.text

    missing = await client.post("/profile", **multipart([("display_name", "X"), *profile]))
    assert missing.status_code == 403
    not_first = await client.post(
        "/profile", **multipart([("display_name", "Y"), ("csrf_token", token), *profile])
    )
    assert not_first.status_code == 403
    wrong = await client.post(
        "/profile", **multipart([("csrf_token", token[::-1]), ("display_name", "Z"), *profile])
    )
    assert wrong.status_code == 403
    await session.refresh(advocate)
    assert (advocate.display_name, advocate.company) == ("Ada Byron", "Acme")


# --- access: anonymous, advocate, marketer, admin ---------------------------------------------


@pytest.mark.parametrize("route", PRIVATE_PAGES, ids=lambda route: route.path)
async def test_anonymous_is_sent_to_login_from_every_private_page(
    client: httpx.AsyncClient, route: AppRoute
) -> None:
    path = route.url(1)
    response = await client.get(path)
    assert response.status_code == 303
    assert _location(response) == ("/login", {"next": [path]})


async def test_an_advocate_gets_403_everywhere_under_manage(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    # One signed-in advocate walks every /manage/ route (a login per route would be slow:
    # argon2 is deliberately costly).
    advocate = await make_advocate(session)
    other = await make_advocate(session, password=None)
    await login_as(client, advocate)
    token = await csrf_token(client, "/profile")
    data = {"csrf_token": token, "roles": "admin", "email": "new@example.com"}
    answers = {}
    for method, route in MANAGE_ROUTES:
        url = route.url(other.id)
        if method == "GET":
            response = await client.get(url)
        else:
            response = await client.request(method, url, data=data)
        answers[f"{method} {url}"] = response.status_code
    assert answers
    # Reports hide that they exist (issue 15): 404, never 403, and never a page.
    hidden = "/manage/reports/"
    assert {
        request: status
        for request, status in answers.items()
        if status != (404 if hidden in request else 403)
    } == {}


async def test_admin_pages_refuse_a_marketer_and_open_for_an_admin(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    admin = await make_admin(session)
    paths = ["/manage/audit/", "/manage/settings/"]
    await login_as(client, marketer)
    assert {path: (await client.get(path)).status_code for path in paths} == dict.fromkeys(
        paths, 403
    )
    client.cookies.clear()
    await login_as(client, admin)
    assert {path: (await client.get(path)).status_code for path in paths} == dict.fromkeys(
        paths, 200
    )


# --- headers and cookie -----------------------------------------------------------------------


async def test_pages_carry_the_security_headers_and_a_locked_down_session_cookie(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/login")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"]
    assert re.fullmatch(r"[0-9a-f]{12}", response.headers["x-request-id"])

    cookies = [
        c for c in response.headers.get_list("set-cookie") if c.startswith("portal_session=")
    ]
    assert len(cookies) == 1, response.headers.get_list("set-cookie")
    flags = {part.strip().lower() for part in cookies[0].split(";")[1:]}
    assert "httponly" in flags
    assert "samesite=lax" in flags


# --- error pages ------------------------------------------------------------------------------


async def test_an_unknown_page_is_a_friendly_404_with_the_request_id(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/no/such/page")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    request_id = response.headers["x-request-id"]
    assert request_id in response.text
    assert "We could not find that page" in response.text
    assert "<html" in response.text


async def test_an_unknown_api_url_answers_json_with_the_request_id(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/no-such-thing")
    assert response.status_code == 404
    body = response.json()
    assert set(body) == {"error", "request_id"}
    assert body["error"]
    assert body["request_id"] == response.headers["x-request-id"]


async def test_an_htmx_request_to_an_unknown_url_gets_a_flash_in_the_flash_area(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/no/such/page", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert response.headers["hx-retarget"] == "#flashes"
    assert "We could not find that page" in response.text
    assert 'role="alert"' in response.text
    assert "<html" not in response.text


async def boom(request: Request) -> Response:
    raise RuntimeError("secret internal detail: password=hunter2")


async def test_a_crash_is_a_friendly_500_with_the_request_id_and_no_traceback(
    app: Starlette,
) -> None:
    # Before the catch-all Mount(""), which would otherwise answer 404 for the path.
    app.router.routes.insert(0, Route("/boom", boom))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as client:
        response = await client.get("/boom")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    request_id = re.search(r"Request id: <code>([0-9a-f]{12})</code>", response.text)
    assert request_id, response.text
    for leak in ("Traceback", "RuntimeError", "secret internal detail", "hunter2", 'File "'):
        assert leak not in response.text


async def test_a_crash_answer_carries_the_request_id_and_security_headers(app: Starlette) -> None:
    app.router.routes.insert(0, Route("/boom", boom))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as client:
        response = await client.get("/boom")
    assert response.status_code == 500
    assert response.headers["x-request-id"] in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_an_htmx_error_flash_shows_the_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/page", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert response.headers["x-request-id"] in response.text
