"""A small OpenID Connect provider for tests: discovery, JWKS, an authorize endpoint that signs
the person straight in, a token endpoint that returns an RS256 ID token, and UserInfo.

It runs under uvicorn on a free loopback port (in a thread of its own), so the portal's authlib
client reaches it over real HTTP and runs its real code path: discovery, state, PKCE, client
authentication, signature, issuer, audience, expiry and nonce checks."""

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

CLIENT_ID = "advocate-portal"
CLIENT_SECRET = "provider-shared-secret"


@dataclass
class Identity:
    """Who signs in at the provider next."""

    email: str = "ada@example.com"
    email_verified: bool | None = True  # None: not sent at all (Entra ID)
    name: str = "Ada Lovelace"
    sub: str = field(default_factory=lambda: secrets.token_hex(8))
    extra: dict[str, Any] = field(default_factory=dict)  # more claims: groups, company, …


@dataclass
class Grant:
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None
    identity: Identity


class FakeProvider:
    """Tests set `identity` (and `deny`, `claims_in_userinfo_only`, `userinfo_only`,
    `rogue_key`) before driving a sign-in; `reset` puts them back."""

    def __init__(self, port: int) -> None:
        self.issuer = f"http://127.0.0.1:{port}"
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-1", "use": "sig"})
        self.codes: dict[str, Grant] = {}
        self.access_tokens: dict[str, Identity] = {}
        self.reset()
        self.app = Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/jwks", self.jwks),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
                Route("/userinfo", self.userinfo),
            ]
        )
        self._server = uvicorn.Server(
            uvicorn.Config(
                self.app,
                host="127.0.0.1",
                port=port,
                loop="asyncio",
                http="h11",
                ws="none",
                lifespan="off",
                log_level="warning",
                access_log=False,
            )
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def reset(self) -> None:
        self.identity = Identity()
        self.deny = False
        self.rogue_key: RSAKey | None = None  # signs ID tokens instead of the published key
        self.claims_in_userinfo_only = False  # every profile claim only from UserInfo
        self.userinfo_only: set[str] = set()  # these claims only from UserInfo
        self.userinfo_calls = 0
        self.codes.clear()
        self.access_tokens.clear()

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the fake OpenID provider did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    # --- endpoints --------------------------------------------------------------------------

    async def discovery(self, request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "userinfo_endpoint": f"{self.issuer}/userinfo",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "email", "profile"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def jwks(self, request: Request) -> Response:
        return JSONResponse(KeySet([self.key]).as_dict(private=False))

    async def authorize(self, request: Request) -> Response:
        """Signs `identity` in at once (or refuses, when `deny` is set) and sends them back."""
        query = request.query_params
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        redirect_uri = query["redirect_uri"]
        if self.deny:
            answer = {"error": "access_denied", "error_description": "The user said no."}
        else:
            code = secrets.token_urlsafe(16)
            self.codes[code] = Grant(
                redirect_uri=redirect_uri,
                nonce=query.get("nonce"),
                code_challenge=query.get("code_challenge"),
                identity=self.identity,
            )
            answer = {"code": code}
        return RedirectResponse(
            f"{redirect_uri}?{urlencode({**answer, 'state': query.get('state', '')})}",
            status_code=302,
        )

    async def token(self, request: Request) -> Response:
        if request.headers.get("Authorization") != _basic(CLIENT_ID, CLIENT_SECRET):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        form = await request.form()
        grant = self.codes.pop(str(form.get("code", "")), None)
        if (
            form.get("grant_type") != "authorization_code"
            or grant is None
            or form.get("redirect_uri") != grant.redirect_uri
            or _s256(str(form.get("code_verifier", ""))) != grant.code_challenge
        ):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        person = grant.identity
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": person.sub,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        if not self.claims_in_userinfo_only:
            claims.update(
                (name, value)
                for name, value in _profile(person).items()
                if name not in self.userinfo_only
            )
        access_token = secrets.token_urlsafe(16)
        self.access_tokens[access_token] = person
        key = self.rogue_key or self.key
        id_token = jwt.encode({"alg": "RS256", "kid": "test-1"}, claims, key)
        return JSONResponse(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 300,
                "scope": "openid email profile",
                "id_token": id_token,
            },
            headers={"Cache-Control": "no-store"},
        )

    async def userinfo(self, request: Request) -> Response:
        scheme, _, access_token = request.headers.get("Authorization", "").partition(" ")
        person = self.access_tokens.get(access_token) if scheme == "Bearer" else None
        if person is None:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        self.userinfo_calls += 1
        return JSONResponse({"sub": person.sub, **_profile(person)})


def _profile(person: Identity) -> dict[str, Any]:
    claims: dict[str, Any] = {"email": person.email, "name": person.name, **person.extra}
    if person.email_verified is not None:
        claims["email_verified"] = person.email_verified
    return claims


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
