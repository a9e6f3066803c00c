"""Shared web parts: the request's session and user, access rules, render and redirect."""

import csv
import functools
import io
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode, urlsplit

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.auth import service as auth
from portal.auth.models import Role, User
from portal.auth.service.tokens import keyed_hash
from portal.config import Settings
from portal.content.storage import LocalStorage, storage_for
from portal.errors import Forbidden
from portal.program import service as program
from portal.templating import templates

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Access:
    """Who may call an endpoint: anyone (`public`), any signed-in user, or the given roles."""

    public: bool
    roles: frozenset[Role]


def db(request: Request) -> AsyncSession:
    return cast(AsyncSession, request.state.db)


def settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


def storage(request: Request) -> LocalStorage:
    """The file storage uploads go to (avatars, proofs, content, reward images)."""
    return storage_for(settings(request).upload_dir)


def current_user(request: Request) -> User:
    """The signed-in user of an endpoint behind `signed_in` or `requires`."""
    return cast(User, request.state.user)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


async def load_viewer(request: Request) -> User | None:
    session = db(request)
    request.state.program = await program.load(session)
    user_id, epoch = request.session.get("uid"), request.session.get("epoch", 0)
    user = None
    if isinstance(user_id, int) and isinstance(epoch, int):
        user = await auth.user_for_session(session, user_id=user_id, epoch=epoch)
        if user is None:
            request.session.clear()
    request.state.user = user
    return user


def _with_access(access: Access) -> Callable[[Endpoint], Endpoint]:
    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            try:
                user = await load_viewer(request)
                if not access.public:
                    if user is None:
                        return login_redirect(request)
                    if access.roles and not user.has_role(*access.roles):
                        raise Forbidden()
                return await endpoint(request)
            finally:
                await request.close()  # closes uploaded files of a parsed form

        guarded.access = access  # type: ignore[attr-defined]
        return guarded

    return decorate


public = _with_access(Access(public=True, roles=frozenset()))
signed_in = _with_access(Access(public=False, roles=frozenset()))


def requires(*roles: Role) -> Callable[[Endpoint], Endpoint]:
    return _with_access(Access(public=False, roles=frozenset(roles)))


staff_of_program = requires(Role.MARKETER, Role.ADMIN)


def login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = str(request.url_for("auth:login").include_query_params(next=target))
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths, so a `next` parameter can't send people elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return default
    return target


def sign_in(request: Request, user: User) -> None:
    """A fresh session for the user (and a fresh CSRF token)."""
    request.session.clear()
    request.session.update({"uid": user.id, "epoch": user.session_epoch})


def sign_out(request: Request) -> None:
    request.session.clear()


def flash(request: Request, message: str, kind: str = "success") -> None:
    request.session.setdefault("flash", []).append({"kind": kind, "message": message})


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


REFERRAL_COOKIE = "portal_ref"
REFERRAL_COOKIE_MAX_AGE = 30 * 24 * 60 * 60


def remember_referral_code(request: Request, response: Response, code: str) -> Response:
    """The attribution cookie: a prospect who came through an advocate's link or share page
    and signs up later, within 30 days, is still credited to that advocate."""
    response.set_cookie(
        REFERRAL_COOKIE,
        code,
        max_age=REFERRAL_COOKIE_MAX_AGE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings(request).https,
    )
    return response


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def client_key(request: Request) -> str:
    """A salted hash of the client's address: for counting and fraud checks, never stored raw."""
    return keyed_hash(settings(request).secret_key.get_secret_value(), client_address(request))


def text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> Response:
    """A CSV download (UTF-8 with BOM, so spreadsheet programs read accents right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
