"""One decorator per API operation: it declares the operation (path, scope, request and
response models: what the OpenAPI document is made of) and runs the request through the same
steps every time: the whole body within its limit, the bearer token (in a short transaction of
its own, so the use is stamped and counted even when the request fails), the rate limit, the
scope, the query and body parsed by their pydantic models, then the handler, whose
`PortalError`s become problem details. A use of a write scope (other than to read) is written to
the audit log with the token as the actor, in the request's own transaction."""

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from portal.api.problems import ApiProblem, invalid, problem_response
from portal.api_tokens import service as tokens
from portal.api_tokens.models import ApiToken, Scope
from portal.audit import service as audit
from portal.clock import utcnow
from portal.db import begin_reading
from portal.errors import PortalError
from portal.parsing import fits_path
from portal.people.access import Access
from portal.request_body import MB, BodyLimit, whole_body
from portal.tokens import keyed_hash
from portal.web import client_address, db, settings

BODY_LIMIT = BodyLimit(MB, "The request body is larger than 1 MB.")
Body = TypeVar("Body", bound=BaseModel)
Query = TypeVar("Query", bound=BaseModel)


class NoBody(BaseModel):
    pass


class NoQuery(BaseModel):
    pass


@dataclass(frozen=True)
class Call(Generic[Body, Query]):
    request: Request
    token: ApiToken
    body: Body
    query: Query

    @property
    def session(self) -> AsyncSession:
        return db(self.request)

    def path(self, name: str) -> Any:
        return self.request.path_params[name]


@dataclass(frozen=True)
class Reply:
    """A handler's answer when its status is not the operation's usual one (a replay)."""

    model: BaseModel
    status: int


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # under /api/v1, in OpenAPI's form: /referrals/{referral_id}
    name: str
    summary: str
    scope: Scope
    response: type[BaseModel]
    status: int
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    errors: tuple[int, ...]
    headers: tuple[str, ...]  # request headers the operation reads (Idempotency-Key)
    replays: bool  # a repeat (the same key or order) answers 200 with the first result


Handler = Callable[[Call[Any, Any]], Awaitable[BaseModel | Reply]]
OPERATIONS: list[Operation] = []
ROUTES: list[Route] = []
# Every operation may answer these: no or a bad token, a missing scope, too many requests.
COMMON_ERRORS = (401, 403, 429)


def _errors(
    path: str, declared: tuple[int, ...], *, body: bool, parameters: bool
) -> tuple[int, ...]:
    """Exactly the statuses the operation can answer, so the document promises no more (the
    schemathesis test sees each one): bad input only where there is input, 413 only with a
    body, 404 wherever the path names something."""
    return tuple(
        sorted(
            {
                *COMMON_ERRORS,
                *declared,
                *((413,) if body else ()),
                *((422,) if body or parameters else ()),
                *((404,) if "{" in path else ()),
            }
        )
    )


def operation(
    method: str,
    path: str,
    *,
    name: str,
    summary: str,
    scope: Scope,
    response: type[BaseModel],
    status: int = 200,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    errors: tuple[int, ...] = (),
    headers: tuple[str, ...] = (),
    replays: bool = False,
) -> Callable[[Handler], Handler]:
    declared = Operation(
        method=method,
        path=path.replace(":int}", "}"),
        name=name,
        summary=summary,
        scope=scope,
        response=response,
        status=status,
        body=body,
        query=query,
        errors=_errors(path, errors, body=body is not None, parameters=bool(query or headers)),
        headers=headers,
        replays=replays,
    )

    def register(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            try:
                return await _run(request, declared, handler)
            except ApiProblem as problem:
                return problem_response(problem)
            except PortalError as error:
                return problem_response(ApiProblem(error.status_code, error.message))

        endpoint.access = Access(public=True, roles=frozenset())  # type: ignore[attr-defined]
        endpoint.operation = declared  # type: ignore[attr-defined]
        OPERATIONS.append(declared)
        ROUTES.append(Route(path, endpoint, methods=[method], name=name))
        return handler

    return register


async def _run(request: Request, declared: Operation, handler: Handler) -> Response:
    if not all(map(fits_path, request.path_params.values())):
        raise ApiProblem(404, "There is nothing at this address.")
    async with whole_body(request, BODY_LIMIT) as request:
        token = await _authenticate(request, declared.scope)
        session = db(request)
        if request.method == "GET":
            await begin_reading(session)
        query = _parse_query(request, declared.query or NoQuery)
        body = await _parse_body(request, declared.body) if declared.body else NoBody()
        result = await handler(Call(request=request, token=token, body=body, query=query))
        if declared.scope.writes and declared.method != "GET":  # webhooks:manage also reads
            await audit.record(
                session,
                actor=None,
                api_token_id=token.id,
                action=f"api.{declared.scope.value}",
                target_type="api",
                target_id=None,
                summary=f"API token “{token.name}”: {request.method} {request.url.path}",
            )
    reply = result if isinstance(result, Reply) else Reply(result, declared.status)
    return JSONResponse(reply.model.model_dump(mode="json"), status_code=reply.status)


def _parse_query(request: Request, model: type[Query]) -> Query:
    params = request.query_params
    values = {key: params.getlist(key)[-1] for key in params.keys()}  # noqa: SIM118
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise invalid(error, where="query") from error


async def _parse_body(request: Request, model: type[BaseModel]) -> BaseModel:
    raw = await request.body()
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as error:
        raise invalid(error) from error


async def _authenticate(request: Request, scope: Scope) -> ApiToken:
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise _unauthorized("Send an API token: Authorization: Bearer <token>.")
    config = settings(request)
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.job_context["sessionmaker"]
    now = utcnow().timestamp()
    minute = int(now // 60)
    async with sessionmaker() as own, own.begin():
        token = await tokens.authenticate(
            own,
            secret.strip(),
            address_hash=keyed_hash(config.secret_key.get_secret_value(), client_address(request)),
        )
        if token is None:
            raise _unauthorized("This API token is not valid: it is unknown, expired or revoked.")
        redis = _redis(request)
        if redis is None:
            count = await tokens.count_request(own, token_id=token.id, minute=minute)
    if redis is not None:
        key = f"api-rate:{token.id}:{minute}"
        count = int(await redis.incr(key))
        await redis.expire(key, 120)
    if count > config.api_requests_per_minute:
        retry_after = 60 - int(now) % 60
        raise ApiProblem(
            429,
            f"This token may make {config.api_requests_per_minute} requests a minute. "
            f"Try again in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )
    if scope not in token.scope_set:
        raise ApiProblem(403, f"This API token does not have the “{scope.value}” scope.")
    return token


def _unauthorized(detail: str) -> ApiProblem:
    return ApiProblem(401, detail, headers={"WWW-Authenticate": 'Bearer realm="api"'})


def _redis(request: Request) -> "Redis | None":
    """One Redis client per app, made on first use, when REDIS_URL is set."""
    url = settings(request).redis_url
    if not url:
        return None
    client: Redis | None = getattr(request.app.state, "api_redis", None)
    if client is None:
        client = Redis.from_url(url)
        request.app.state.api_redis = client
    return client
