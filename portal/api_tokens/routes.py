"""Manage → API tokens (admins): make a token (its secret is shown on the next page, once),
see when each was last used, revoke."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.api_tokens import service
from portal.api_tokens.models import ApiToken, Scope
from portal.forms import FormState
from portal.i18n import gettext
from portal.people.access import current_user, requires
from portal.people.models import Role
from portal.templating import request_zone
from portal.web import db, flash, redirect, render

NAME_LENGTH = 80


def _page(
    request: Request, tokens: list[ApiToken], form: FormState, status_code: int = 200
) -> Response:
    return render(
        request,
        "api_tokens/list.html",
        {"tokens": tokens, "form": form, "scopes": list(Scope)},
        status_code=status_code,
    )


@requires(Role.ADMIN)
async def list_tokens(request: Request) -> Response:
    return _page(request, await service.list_tokens(db(request)), FormState())


@requires(Role.ADMIN)
async def create_token(request: Request) -> Response:
    form = await request.form()
    state = FormState.of(form, "name", "expires_at")
    chosen = [value for value in form.getlist("scopes") if isinstance(value, str)]
    state.data["scopes"] = " ".join(chosen)
    state.require("name", message=gettext("Name the token after the system that will use it."))
    state.check_length("name", NAME_LENGTH)
    expires_at = state.moment("expires_at", zone=request_zone(request))
    known = set(Scope)
    if not chosen or not set(chosen) <= known:
        state.add_error("scopes", gettext("Choose at least one scope."))
    if state.ok:
        try:
            made = await service.create_token(
                db(request),
                actor=current_user(request),
                name=state.value("name"),
                scopes=frozenset(Scope(value) for value in chosen),
                expires_at=expires_at,
            )
        except service.TokenNotValid as error:
            state.add_error(error.field, error.message)
        else:
            return render(request, "api_tokens/created.html", {"made": made})
    return _page(request, await service.list_tokens(db(request)), state, status_code=422)


@requires(Role.ADMIN)
async def revoke_token(request: Request) -> Response:
    token = await service.revoke_token(
        db(request), actor=current_user(request), token_id=request.path_params["token_id"]
    )
    flash(
        request,
        gettext("“%(name)s” is revoked: requests with it are refused from now on.")
        % {"name": token.name},
    )
    return redirect(request, "api_tokens:list")


routes = [
    Route("/", list_tokens, methods=["GET"], name="list"),
    Route("/", create_token, methods=["POST"], name="create"),
    Route("/{token_id:int}/revoke", revoke_token, methods=["POST"], name="revoke"),
]
