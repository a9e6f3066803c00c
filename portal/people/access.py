"""Who may call an endpoint, and who is calling: `public`, `signed_in`, `requires(*roles)`
decorate every endpoint (a route-table test checks that each declares one); `load_viewer` finds
the signed-in person from the session cookie's token, which only a live row of `user_sessions`
accepts (portal.people.sessions); `sign_in` and `sign_out` start and end those rows. A session
held at the two-factor setup page (an admin the program requires it of) reaches only the
endpoints that allow it.

What else a page needs on every request (the program's settings, for the layout) is loaded by
the `request_loaders` the app lists in its state, so this module knows no layer above people.
"""

import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy.sql.elements import Label
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal import i18n
from portal.config import Settings
from portal.db import begin_reading
from portal.errors import Forbidden, NotFound
from portal.parsing import fits_path
from portal.people import sessions, viewer, viewing
from portal.people.models import Role, User, UserSession
from portal.request_body import limit_of, whole_body
from portal.web import client_key, db, is_htmx, redirect_to, settings

SESSION_KEY = "sid"
READING_METHODS = frozenset({"GET", "HEAD"})

Endpoint = Callable[[Request], Awaitable[Response]]
RequestLoader = Callable[[Request, Mapping[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Access:
    """Who may call an endpoint: anyone (`public`), any signed-in user, or the given roles."""

    public: bool
    roles: frozenset[Role]
    during_two_factor_setup: bool = False


def current_user(request: Request) -> User:
    """The signed-in user of an endpoint behind `signed_in` or `requires`."""
    return cast(User, request.state.user)


async def load_viewer(request: Request) -> User | None:
    """The viewer, their session and roles, and what the app's `request_loaders` need (their
    `viewer_columns`: the program cache's version), in one statement."""
    token = request.session.get(SESSION_KEY)
    columns: Sequence[Label[Any]] = getattr(request.app.state, "viewer_columns", ())
    row, extras = await viewer.read_viewer(
        db(request), token=token if isinstance(token, str) else None, columns=columns
    )
    loaders: Sequence[RequestLoader] = getattr(request.app.state, "request_loaders", ())
    for load in loaders:
        await load(request, extras)
    live = None
    if isinstance(token, str):
        live = await sessions.still_live(db(request), row, session_policy(settings(request)))
        if live is None:
            request.session.clear()
    request.state.user_session = live
    request.state.user = live.user if live is not None else None
    request.state.viewing_as_by = None
    viewed_id = request.session.get(viewing.SESSION_KEY)
    if live is not None and isinstance(viewed_id, int):
        person = await viewing.viewed_person(db(request), viewer=live.user, user_id=viewed_id)
        if person is None:
            request.session.pop(viewing.SESSION_KEY, None)
        else:
            request.state.viewing_as_by = live.user
            request.state.user = person
    i18n.activate(request_language(request))
    return cast(User | None, request.state.user)


def request_language(request: Request) -> str:
    """The viewer's language: their profile's, else their browser's, else the program's (the
    program's settings, when a request loader has put them in the request's state)."""
    user: User | None = request.state.user
    program = getattr(request.state, "program", None)
    return i18n.choose(
        own=user.language if user is not None else "",
        accept_language=request.headers.get("accept-language", ""),
        program=str(getattr(program, "language", "")),
    )


def viewing_as_by(request: Request) -> User | None:
    """The staff member behind the signed-in person while they view the portal as them."""
    return cast(User | None, getattr(request.state, "viewing_as_by", None))


def current_session(request: Request) -> UserSession:
    """The session of the signed-in user of an endpoint behind `signed_in` or `requires`."""
    return cast(UserSession, request.state.user_session)


def session_policy(config: Settings) -> sessions.SessionPolicy:
    return sessions.SessionPolicy(
        lifetime=timedelta(days=config.session_max_age_days),
        idle=timedelta(days=config.session_idle_days),
        staff_lifetime=timedelta(hours=config.staff_session_hours),
        staff_idle=timedelta(minutes=config.staff_session_idle_minutes),
    )


def writes(endpoint: Endpoint) -> Endpoint:
    """Declares that a GET endpoint writes (a counted visit, a first download that pays): its
    transaction takes the SQLite write lock up front like a form's. Any other GET only reads."""
    endpoint.writes_on_get = True  # type: ignore[attr-defined]
    return endpoint


def writes_on_get(endpoint: Endpoint) -> bool:
    return bool(getattr(endpoint, "writes_on_get", False))


def while_viewing_as(endpoint: Endpoint) -> Endpoint:
    """Declares an endpoint that acts for the staff member while they view as someone (the way
    back): it is not refused, and what it writes is kept."""
    endpoint.while_viewing_as = True  # type: ignore[attr-defined]
    return endpoint


def _refuse_while_viewing_as(request: Request, endpoint: Endpoint, user: User) -> None:
    """Viewing as someone is read-only: a form is refused with a message saying so, and what a
    page would write on a GET (a first download that pays) is rolled back, not kept."""
    if viewing_as_by(request) is None or getattr(endpoint, "while_viewing_as", False):
        return
    if request.method not in READING_METHODS:
        raise viewing.ViewingAsReadOnly(user)
    request.state.read_only = True


def _with_access(access: Access) -> Callable[[Endpoint], Endpoint]:
    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            # The whole body first, within the endpoint's limit: the transaction that
            # load_viewer begins never waits on a slow or oversized request.
            if not all(map(fits_path, request.path_params.values())):
                raise NotFound()  # `{id:int}` takes any length: past int4 names nothing
            async with whole_body(request, limit_of(endpoint, settings(request))) as request:
                try:
                    if request.method in READING_METHODS and not writes_on_get(endpoint):
                        await begin_reading(db(request))
                    user = await load_viewer(request)
                    if user is not None:
                        _refuse_while_viewing_as(request, endpoint, user)
                    if not access.public:
                        if user is None:
                            return login_redirect(request)
                        if access.roles and not user.has_role(*access.roles):
                            raise Forbidden()
                    if (
                        user is not None
                        and current_session(request).two_factor_setup_due
                        and not access.during_two_factor_setup
                    ):
                        return redirect_to(request, str(request.url_for("auth:two_factor")))
                    return await endpoint(request)
                finally:
                    await request.close()  # closes uploaded files of a parsed form

        guarded.access = access  # type: ignore[attr-defined]
        return guarded

    return decorate


public = _with_access(Access(public=True, roles=frozenset()))


def for_machines(endpoint: Endpoint) -> Endpoint:
    """Open to anyone and nothing looked up first (no viewer, no transaction): for load
    balancers' probes and metrics scrapers, which must get an answer while the database is
    away. The endpoint decides itself what a caller may see."""
    endpoint.access = Access(public=True, roles=frozenset())  # type: ignore[attr-defined]
    return endpoint


signed_in = _with_access(Access(public=False, roles=frozenset()))
# Signed in, and open to a session held at the two-factor setup page (the setup, signing out).
signed_in_during_setup = _with_access(
    Access(public=False, roles=frozenset(), during_two_factor_setup=True)
)


def requires(*roles: Role) -> Callable[[Endpoint], Endpoint]:
    return _with_access(Access(public=False, roles=frozenset(roles)))


staff_of_program = requires(Role.MARKETER, Role.ADMIN)


def login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = str(request.url_for("auth:login").include_query_params(next=target))
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


async def sign_in(request: Request, user: User, *, two_factor_setup_due: bool = False) -> None:
    """A fresh session for the user (and a fresh CSRF token); any session the browser had
    before ends. With `two_factor_setup_due` it is held at the two-factor setup page."""
    await sign_out(request)
    token = await sessions.start_session(
        db(request),
        user=user,
        policy=session_policy(settings(request)),
        device=sessions.describe_device(request.headers.get("user-agent", "")),
        client_key=client_key(request),
        two_factor_setup_due=two_factor_setup_due,
    )
    request.session[SESSION_KEY] = token


async def sign_out(request: Request) -> None:
    """Ends this browser's session on the server, and clears its cookie."""
    token = request.session.get(SESSION_KEY)
    if isinstance(token, str):
        await sessions.end_session(db(request), token=token)
    request.session.clear()
