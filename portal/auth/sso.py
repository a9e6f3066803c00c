"""Single sign-on with any OpenID Connect provider, through authlib's Starlette client.

`/login/sso` sends the person to the provider; the provider sends them back to
`/login/sso/callback`, where authlib checks the state (kept in the signed session cookie), swaps
the code for tokens (with PKCE) and verifies the ID token's signature and nonce. The rule for
which account that is lives in `service.sso_sign_in`."""

import contextlib
import importlib
import logging
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
from portal.auth.routes import login_page
from portal.config import Settings
from portal.errors import NotFound, PortalError
from portal.forms import FormState
from portal.people.access import public, sign_in, writes
from portal.people.models import UserStatus
from portal.web import db, redirect_to, render, safe_next, settings

log = logging.getLogger("portal.sso")

# authlib's OAuth client (untyped): `StarletteOAuth2App`.
SsoClient = Any

NEXT_KEY = "sso_next"
SCOPE = "openid email profile"


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


def build_client(config: Settings) -> SsoClient | None:
    """The provider's client, or None when single sign-on is not configured."""
    if not config.oidc_enabled:
        return None
    secret = config.oidc_client_secret
    return OAuth().register(
        "sso",
        client_id=config.oidc_client_id,
        client_secret=secret.get_secret_value() if secret is not None else None,
        server_metadata_url=config.oidc_discovery_url,
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "timeout": 10},
    )


def _client(request: Request) -> SsoClient:
    client = getattr(request.app.state, "sso", None)
    if client is None:
        raise NotFound()
    return client


def _provider(request: Request) -> str:
    return settings(request).oidc_provider_name


@public
async def start(request: Request) -> Response:
    client = _client(request)
    next_url = safe_next(request.query_params.get("next"), "")
    if request.state.user is not None:
        return redirect_to(request, next_url or "/")
    callback_url = links.absolute_url("auth:sso_callback")
    try:
        response: Response = await client.authorize_redirect(request, callback_url)
    except PROVIDER_ERRORS as error:
        log.warning("single sign-on: the provider could not be reached: %r", error)
        return _failed(request, ProviderFailed(_provider(request)), next_url)
    request.session[NEXT_KEY] = next_url
    return response


@public
@writes
async def callback(request: Request) -> Response:
    client = _client(request)
    next_url = safe_next(request.session.pop(NEXT_KEY, None), "")
    try:
        claims = await _verified_claims(client, request)
    except PortalError as error:
        return _failed(request, error, next_url)
    try:
        user = await service.sso_sign_in(
            db(request),
            email=_text(claims.get("email")),
            email_verified=claims.get("email_verified") in (True, "true"),
            name=_name(claims),
        )
    except PortalError as error:
        return _failed(request, error, next_url)
    if user.status == UserStatus.PENDING:
        state = FormState(data={"email": user.email})
        return render(request, "auth/signup.html", {"form": state, "waiting": True})
    await sign_in(request, user)
    return redirect_to(request, next_url or "/")


async def _verified_claims(client: SsoClient, request: Request) -> dict[str, Any]:
    """The ID token's claims after authlib has checked state, signature, issuer, audience,
    expiry and nonce; the UserInfo endpoint fills in the email when the token leaves it out."""
    provider = _provider(request)
    try:
        token = await client.authorize_access_token(request)
        claims = dict(token.get("userinfo") or {})
        if not claims:
            raise OAuthError(description="no ID token in the token response")
        if "email" not in claims and client.server_metadata.get("userinfo_endpoint"):
            extra = dict(await client.userinfo(token=token))
            if extra.get("sub") != claims.get("sub"):
                raise OAuthError(description="the UserInfo subject is not the ID token's")
            claims.update(extra)
    except MismatchingStateError as error:
        log.info("single sign-on: state mismatch: %r", error)
        raise PortalError(
            f"This sign-in with {provider} has expired or was started in another browser "
            "window. Please try again."
        ) from error
    except OAuthError as error:
        if error.error == "access_denied":
            raise PortalError(f"The sign-in with {provider} was cancelled.") from error
        log.warning("single sign-on failed: %r", error)
        raise ProviderFailed(provider) from error
    except PROVIDER_ERRORS as error:
        log.warning("single sign-on failed: %r", error)
        raise ProviderFailed(provider) from error
    return claims


def _name(claims: dict[str, Any]) -> str:
    full = _text(claims.get("name"))
    parts = (_text(claims.get("given_name")), _text(claims.get("family_name")))
    return full or " ".join(part for part in parts if part)


def _text(claim: object) -> str:
    return claim.strip() if isinstance(claim, str) else ""


def _failed(request: Request, error: PortalError, next_url: str) -> Response:
    """The sign-in page with the reason; the error status rolls the unit of work back."""
    state = FormState(data={"next": next_url})
    state.add_error(None, error.message)
    return login_page(request, state, status_code=error.status_code)


routes = [
    Route("/login/sso", start, methods=["GET"], name="sso"),
    Route("/login/sso/callback", callback, methods=["GET"], name="sso_callback"),
]
