"""Asking again before sensitive actions. `confirmed_recently(what)` wraps a POST endpoint, under
its access rule: when the session's last confirmation (signing in, or this prompt) is older than
15 minutes, the endpoint answers with a "Confirm it's you" page instead, asking for the password
(and a code when two-factor sign-in is on) with every submitted field carried along hidden.
Posting it back to the same address checks the answer, then runs the endpoint with what was
first submitted. No JavaScript is needed. Not for forms with files (they can't be carried).

How the answer is checked belongs to the auth domain: the app puts an `IdentityCheck` in its
state, so this module knows no layer above people.
"""

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from portal.errors import PortalError
from portal.forms import FormState, secret
from portal.middleware import CSRF_FIELD
from portal.people import sessions, viewer
from portal.people.access import Endpoint, current_session, current_user
from portal.people.models import User
from portal.web import client_address, db, is_htmx, render, safe_next

CONFIRM_WITHIN = timedelta(minutes=15)
# The prompt's own fields; everything else posted is carried along.
ANSWERED = "reauth"
PASSWORD_FIELD = "reauth_password"  # noqa: S105 (a field name)
CODE = "reauth_code"
BACK = "reauth_back"
OWN_FIELDS = frozenset({CSRF_FIELD, ANSWERED, PASSWORD_FIELD, CODE, BACK})


class IdentityCheck(Protocol):
    async def asks_for_code(self, session: AsyncSession, *, user: User) -> bool:
        """Whether the person confirms with a code as well as the password."""

    async def confirm(
        self, session: AsyncSession, *, user: User, password: str, code: str, client_address: str
    ) -> None:
        """Returns when the answer is right; otherwise raises a `PortalError` to show (a wrong
        answer counts toward the sign-in throttle)."""


def confirmed_recently(what: str) -> Callable[[Endpoint], Endpoint]:
    """`what` finishes "Confirm it's you to …" on the prompt, e.g. "change someone's roles"."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def confirmed(request: Request) -> Response:
            live = current_session(request)
            if sessions.confirmed_within(live, CONFIRM_WITHIN):
                return await endpoint(request)
            form = await request.form()
            check: IdentityCheck = request.app.state.identity_check
            user = current_user(request)
            state = FormState()
            status_code = 200
            if form.get(ANSWERED):
                try:
                    await check.confirm(
                        db(request),
                        user=user,
                        password=secret(form, PASSWORD_FIELD),
                        code=secret(form, CODE),
                        client_address=client_address(request),
                    )
                except PortalError as error:
                    state.add_error(None, error.message)
                    status_code = error.status_code
                else:
                    sessions.confirm(live)
                    return await endpoint(request)
            back = form.get(BACK) or urlsplit(request.headers.get("referer", "")).path
            context = {
                "form": state,
                "what": what,
                "action": request.url.path,
                "back": safe_next(back if isinstance(back, str) else None),
                "carried": [
                    (name, value)
                    for name, value in form.multi_items()
                    if name not in OWN_FIELDS and isinstance(value, str)
                ],
                "asks_for_code": await check.asks_for_code(db(request), user=user),
            }
            await viewer.load_password_hash(db(request), user)  # the prompt asks for it if set
            response = render(request, "auth/confirm.html", context, status_code=status_code)
            if is_htmx(request):  # the prompt is a page of its own, whatever the form targeted
                response.headers.update({"HX-Retarget": "body", "HX-Reswap": "innerHTML"})
            return response

        return confirmed

    return decorate
