"""Single sign-on with the OpenID Connect providers of Manage → Sign-in providers, through
authlib's Starlette client.

`/login/sso/<slug>` sends the person to that provider; it sends them back to
`/login/sso/<slug>/callback` (the provider adopted from the old OIDC_* settings keeps
`/login/sso` and `/login/sso/callback`), where authlib checks the state (kept in the signed
session cookie), swaps the code for tokens (with PKCE) and verifies the ID token's signature,
issuer, audience, expiry and nonce. The rule for which account that is lives in
`service.sso_sign_in`."""

import contextlib
import importlib
import logging
from datetime import datetime
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError
from authlib.integrations.starlette_client import OAuth, OAuthError
from joserfc.errors import JoseError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import links
from portal.auth import service
from portal.auth.models import SsoProvider
from portal.auth.routes import login_page
from portal.auth.service import sso_providers
from portal.auth.service.sso import Assertion
from portal.errors import PortalError
from portal.forms import FormState
from portal.i18n import gettext
from portal.people.access import public, sign_in, writes
from portal.people.models import UserStatus
from portal.web import db, flash, redirect, redirect_to, render, safe_next

log = logging.getLogger("portal.sso")

# authlib's OAuth client (untyped): `StarletteOAuth2App`.
SsoClient = Any

NEXT_KEY = "sso_next"
WAITING_KEY = "sso_waiting"
SCOPE = "openid email profile"
# What the sign-in rule reads; UserInfo is asked when the ID token lacks any of them.
WANTED_CLAIMS = ("email", "email_verified", "name")
COMPANY_CLAIMS = ("organization", "company", "companyName", "company_name")
JOB_TITLE_CLAIMS = ("job_title", "jobTitle", "title")


# What a misbehaving, unreachable or lying provider raises through authlib: OAuth errors, bad
# ID tokens (joserfc), HTTP failures, and bodies that are not the JSON they should be.
def _http_errors() -> tuple[type[Exception], ...]:
    """The HTTP errors of the library authlib reaches the provider with: httpx2 when it is
    installed, else httpx (asked by name, not through authlib's private shim)."""
    errors: list[type[Exception]] = [httpx.HTTPError]
    with contextlib.suppress(ImportError):
        errors.append(importlib.import_module("httpx2").HTTPError)
    return tuple(errors)


PROVIDER_ERRORS = (AuthlibBaseError, JoseError, *_http_errors(), ValueError)


class ProviderFailed(PortalError):
    status_code = 502

    def __init__(self, provider: str) -> None:
        super().__init__(
            f"We couldn't complete the sign-in with {provider}. Please try again in a moment, "
            "or sign in with your password."
        )


def _client(request: Request, provider: SsoProvider) -> SsoClient:
    """authlib's client for the provider, kept until the provider is changed (it holds the
    provider's discovery document once fetched)."""
    clients: dict[int, tuple[datetime, SsoClient]] = request.app.state.sso_clients
    cached = clients.get(provider.id)
    if cached is not None and cached[0] == provider.updated_at:
        return cached[1]
    client = OAuth().register(
        f"sso_{provider.slug}",
        client_id=provider.client_id,
        client_secret=provider.client_secret or None,
        server_metadata_url=provider.discovery_url,
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "timeout": 10},
    )
    clients[provider.id] = (provider.updated_at, client)
    return client


def callback_url(provider: SsoProvider) -> str:
    """The redirect URI to register at the provider."""
    if provider.slug == sso_providers.LEGACY_SLUG:
        return links.absolute_url("auth:sso_callback")
    return links.absolute_url("auth:sso_provider_callback", slug=provider.slug)


@public
async def start(request: Request) -> Response:
    next_url = safe_next(request.query_params.get("next"), "")
    if request.state.user is not None:
        return redirect_to(request, next_url or "/")
    slug = request.path_params.get("slug", sso_providers.LEGACY_SLUG)
    provider = await sso_providers.provider_for_slug(db(request), slug)
    try:
        client = _client(request, provider)
        response: Response = await client.authorize_redirect(request, callback_url(provider))
    except PROVIDER_ERRORS as error:
        log.warning("single sign-on: %s could not be reached: %r", provider.name, error)
        return await _failed(request, ProviderFailed(provider.name), next_url)
    request.session[NEXT_KEY] = next_url
    return response


@public
@writes
async def callback(request: Request) -> Response:
    if request.state.user is not None:  # an old callback URL, opened again once signed in
        return redirect_to(request, "/")
    slug = request.path_params.get("slug", sso_providers.LEGACY_SLUG)
    provider = await sso_providers.provider_for_slug(db(request), slug)
    next_url = safe_next(request.session.pop(NEXT_KEY, None), "")
    try:
        assertion = await _assertion(_client(request, provider), request, provider)
        outcome = await service.sso_sign_in(db(request), provider=provider, assertion=assertion)
    except PortalError as error:
        return await _failed(request, error, next_url)
    user = outcome.user
    if user.status == UserStatus.PENDING:
        request.session[WAITING_KEY] = user.email
        return redirect(request, "auth:sso_waiting")
    await sign_in(request, user)
    if outcome.linked:
        flash(
            request,
            f"Your account is now linked to your {provider.name} sign-in, found by your "
            "verified email address. Your profile lists your linked sign-ins.",
        )
    return redirect_to(request, next_url or "/")


@public
async def waiting(request: Request) -> Response:
    """The "thanks for signing up" page has its own URL, so a reload shows it again."""
    email = request.session.get(WAITING_KEY)
    if request.state.user is not None or not isinstance(email, str):
        return redirect_to(request, "/")
    state = FormState(data={"email": email})
    return render(request, "auth/signup.html", {"form": state, "waiting": True})


async def _assertion(client: SsoClient, request: Request, provider: SsoProvider) -> Assertion:
    """The ID token's claims after authlib has checked state, signature, issuer, audience,
    expiry and nonce, completed from UserInfo with the claims the ID token left out."""
    try:
        token = await client.authorize_access_token(request)
        claims = dict(token.get("userinfo") or {})
        if not claims.get("sub") or not claims.get("iss"):
            raise OAuthError(description="no ID token in the token response")
        wanted = (*WANTED_CLAIMS, *([provider.group_claim] if provider.group_claim else []))
        missing = [name for name in wanted if name not in claims]
        if missing and client.server_metadata.get("userinfo_endpoint"):
            extra = dict(await client.userinfo(token=token))
            if extra.get("sub") != claims["sub"]:
                raise OAuthError(description="the UserInfo subject is not the ID token's")
            for name, value in extra.items():
                claims.setdefault(name, value)
    except MismatchingStateError as error:
        request_id = getattr(request.state, "request_id", "")
        log.warning("single sign-on: state mismatch in request %s: %r", request_id, error)
        raise PortalError(
            f"This sign-in with {provider.name} has expired or was started in another browser "
            "window. Please try again."
        ) from error
    except OAuthError as error:
        if error.error == "access_denied":
            raise PortalError(
                gettext("The sign-in with %(provider)s was cancelled.")
                % {"provider": provider.name}
            ) from error
        log.warning("single sign-on with %s failed: %r", provider.name, error)
        raise ProviderFailed(provider.name) from error
    except PROVIDER_ERRORS as error:
        log.warning("single sign-on with %s failed: %r", provider.name, error)
        raise ProviderFailed(provider.name) from error
    return _read(claims, provider)


def _read(claims: dict[str, Any], provider: SsoProvider) -> Assertion:
    groups: frozenset[str] | None = None
    if provider.group_claim and provider.group_claim in claims:
        value = claims[provider.group_claim]
        values = value if isinstance(value, list) else [value]
        groups = frozenset(str(item) for item in values if isinstance(item, str | int))
    return Assertion(
        issuer=str(claims["iss"]),
        subject=str(claims["sub"]),
        email=_text(claims.get("email")),
        email_verified=claims.get("email_verified") in (True, "true"),
        name=_name(claims),
        company=_first(claims, COMPANY_CLAIMS),
        job_title=_first(claims, JOB_TITLE_CLAIMS),
        groups=groups,
    )


def _name(claims: dict[str, Any]) -> str:
    full = _text(claims.get("name"))
    parts = (_text(claims.get("given_name")), _text(claims.get("family_name")))
    return full or " ".join(part for part in parts if part)


def _first(claims: dict[str, Any], names: tuple[str, ...]) -> str:
    return next((text for name in names if (text := _text(claims.get(name)))), "")


def _text(claim: object) -> str:
    return claim.strip() if isinstance(claim, str) else ""


async def _failed(request: Request, error: PortalError, next_url: str) -> Response:
    """The sign-in page with the reason; the error status rolls the unit of work back."""
    state = FormState(data={"next": next_url})
    state.add_error(None, error.message)
    return await login_page(request, state, status_code=error.status_code)


routes = [
    Route("/login/sso", start, methods=["GET"], name="sso"),
    Route("/login/sso/callback", callback, methods=["GET"], name="sso_callback"),
    Route("/login/sso/waiting", waiting, methods=["GET"], name="sso_waiting"),
    Route("/login/sso/{slug}", start, methods=["GET"], name="sso_provider"),
    Route("/login/sso/{slug}/callback", callback, methods=["GET"], name="sso_provider_callback"),
]
