"""Who may call an endpoint, and who is calling: `public`, `signed_in`, `requires(*roles)`
decorate every endpoint (a route-table test checks that each declares one); `load_viewer` finds
the signed-in person from the session cookie.

What else a page needs on every request (the program's settings, for the layout) is loaded by
the `request_loaders` the app lists in its state, so this module knows no layer above people.
"""

import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import cast

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.errors import Forbidden
from portal.people import service as people
from portal.people.models import Role, User
from portal.request_body import limit_of, whole_body
from portal.web import db, is_htmx, settings

Endpoint = Callable[[Request], Awaitable[Response]]
RequestLoader = Callable[[Request], Awaitable[None]]


@dataclass(frozen=True)
class Access:
    """Who may call an endpoint: anyone (`public`), any signed-in user, or the given roles."""

    public: bool
    roles: frozenset[Role]


def current_user(request: Request) -> User:
    """The signed-in user of an endpoint behind `signed_in` or `requires`."""
    return cast(User, request.state.user)


async def load_viewer(request: Request) -> User | None:
    loaders: Sequence[RequestLoader] = getattr(request.app.state, "request_loaders", ())
    for load in loaders:
        await load(request)
    user_id, epoch = request.session.get("uid"), request.session.get("epoch", 0)
    user = None
    if isinstance(user_id, int) and isinstance(epoch, int):
        user = await people.user_for_session(db(request), user_id=user_id, epoch=epoch)
        if user is None:
            request.session.clear()
    request.state.user = user
    return user


def _with_access(access: Access) -> Callable[[Endpoint], Endpoint]:
    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            # The whole body first, within the endpoint's limit: the transaction that
            # load_viewer begins never waits on a slow or oversized request.
            async with whole_body(request, limit_of(endpoint, settings(request))) as request:
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


def sign_in(request: Request, user: User) -> None:
    """A fresh session for the user (and a fresh CSRF token)."""
    request.session.clear()
    request.session.update({"uid": user.id, "epoch": user.session_epoch})


def sign_out(request: Request) -> None:
    request.session.clear()
