"""schemathesis against /api/v1/openapi.json, on both engines: `portal run` serves a database
with tokens and a little data. Each operation is first sent the requests that must give each
error it documents (no token, a token without the scope, a token over its rate limit, a body
too large, bad input, something that is not there, a conflict), then requests generated from
the document. Every answer is checked (no 5xx, a documented status and content type, a body
that matches its schema), and every status the document promises must have occurred."""

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from portal.advocacy import service as advocacy
from portal.api_tokens.models import ApiRateWindow, Scope
from portal.clock import utcnow
from portal.db import create_engine, create_sessionmaker
from portal.groups import service as groups
from portal.referrals import service as referrals
from portal.rewards import service as rewards
from portal.webhooks.service import deliveries, endpoints
from tests.api.tokens import make_token
from tests.browser.conftest import _portal, _portal_env, _running
from tests.conftest import create_pg_database, drop_pg_database, free_port
from tests.factories import give_points, make_admin, make_advocate, make_referral, make_reward

EXAMPLES = 4
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
MISSING_ID = 2_147_483_647
# Where generated webhook endpoints point: a generated public address would be called by the
# deliveries of the events the other requests raise, and nothing leaves this machine.
LOOPBACK_HOOK = "http://127.0.0.1:9/hook"
SHIPPING = {"name": "Ada", "address": "1 Loop Road", "city": "Localhost", "country": "NL"}


@dataclass(frozen=True)
class Seeded:
    secret: str  # every scope
    webhooks_secret: str  # webhooks:manage only
    referrals_secret: str  # referrals:read only
    exhausted_secret: str  # over its rate limit for the next half hour
    advocate_id: int
    advocate_email: str
    referral_code: str
    taken_prospect: str
    other_referral_id: int
    segment_id: int
    redemption_id: int
    endpoint_id: int
    delivery_id: int


@dataclass(frozen=True)
class ApiServer:
    base_url: str
    seeded: Seeded


async def _seed(url: str) -> Seeded:
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            admin = await make_admin(session)
            made = await make_token(session, admin=admin)
            webhooks_only = await make_token(
                session, admin=admin, scopes=frozenset({Scope.WEBHOOKS_MANAGE})
            )
            referrals_only = await make_token(
                session, admin=admin, scopes=frozenset({Scope.REFERRALS_READ})
            )
            exhausted = await make_token(session, admin=admin)
            minute = int(utcnow().timestamp() // 60)
            session.add_all(
                ApiRateWindow(token_id=exhausted.token.id, minute=minute + step, count=10**6)
                for step in range(30)
            )
            ada = await make_advocate(session, email="ada@example.com")
            taken = await make_referral(session, ada)
            other = await make_referral(session, ada)
            for referral, crm_id in ((taken, "crm-taken"), (other, "crm-other")):
                await referrals.set_external_id(session, referral, external_id=crm_id, actor=None)
            segment = await groups.create_group(session, staff=admin, name="Top earners")
            segment.is_dynamic = True  # members follow rules: the API can't add anyone
            await advocacy.create_event_type(
                session,
                actor=ada,
                key="webinar_attended",
                name="Webinar",
                points=10,
                challenge_id=None,
            )
            hoodie = await make_reward(session)
            await give_points(session, ada, 2_000)
            redemption = await rewards.request_redemption(
                session, user=ada, reward_id=hoodie.id, key="probe", shipping=SHIPPING
            )
            endpoint = await endpoints.create_endpoint(
                session,
                actor=admin,
                fields=endpoints.EndpointFields(
                    url=LOOPBACK_HOOK, description="", event_types=["points.awarded"], enabled=True
                ),
                allow_loopback=True,
            )
            delivery = await deliveries.record_test_event(session, endpoint)
            await session.commit()
            return Seeded(
                secret=made.secret,
                webhooks_secret=webhooks_only.secret,
                referrals_secret=referrals_only.secret,
                exhausted_secret=exhausted.secret,
                advocate_id=ada.id,
                advocate_email=ada.email,
                referral_code=ada.referral_code,
                taken_prospect=str(taken.prospect_email),
                other_referral_id=other.id,
                segment_id=segment.id,
                redemption_id=redemption.id,
                endpoint_id=endpoint.id,
                delivery_id=delivery.id,
            )
    finally:
        await engine.dispose()


@pytest_asyncio.fixture(scope="module")
async def api_server(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[ApiServer]:
    var_dir = tmp_path_factory.mktemp("api-server")
    port = free_port()
    env = _portal_env(var_dir, f"http://127.0.0.1:{port}")
    database = f"portal_api_{port}"
    if backend == "postgresql":
        env["DATABASE_URL"] = (await create_pg_database(database)).replace("+asyncpg", "")
    url = (
        env["DATABASE_URL"]
        .replace("sqlite://", "sqlite+aiosqlite://")
        .replace("postgresql://", "postgresql+asyncpg://")
    )
    await asyncio.to_thread(_portal, "migrate", env=env)
    seeded = await _seed(url)
    with _running(port, env, var_dir / "portal.log"):
        yield ApiServer(env["BASE_URL"], seeded)
    if backend == "postgresql":
        await drop_pg_database(database)


@dataclass(frozen=True)
class Probe:
    status: int
    body: Any = None
    path: dict[str, Any] | None = None
    key: str | None = None  # its Idempotency-Key


def _specific(seeded: Seeded) -> dict[str, list[Probe]]:
    """The requests that must give each operation's other statuses, in order: the successes
    generated data can't reach (it does not know the seeded ids), repeats, conflicts."""
    stranger = "stranger@probe.example"
    ada = seeded.advocate_id
    new_prospect = {"name": "New", "email": "new@probe.example"}
    hook = {"endpoint_id": seeded.endpoint_id}
    return {
        "create_webhook": [Probe(201, {"url": LOOPBACK_HOOK, "event_types": ["referral.created"]})],
        "get_webhook": [Probe(200, path=hook)],
        "update_webhook": [Probe(200, {"description": "Probed"}, hook)],
        "rotate_webhook_secret": [Probe(200, path=hook)],
        "send_test_webhook": [Probe(201, path=hook)],
        "list_webhook_deliveries": [Probe(200, path=hook)],
        "redeliver_webhook": [Probe(200, path={**hook, "delivery_id": seeded.delivery_id})],
        "get_referral": [Probe(200, path={"referral_id": seeded.other_referral_id})],
        "get_advocate": [Probe(200, path={"user_id": ada})],
        "create_referral": [
            Probe(201, {"referrer_id": ada, "prospect": new_prospect}),
            Probe(
                409,
                {
                    "referrer_email": seeded.advocate_email,
                    "prospect": {"name": "Again", "email": seeded.taken_prospect},
                },
            ),
        ],
        "update_referral": [
            Probe(409, {"external_id": "crm-taken"}, {"referral_id": seeded.other_referral_id})
        ],
        "update_referral_by_external_id": [
            Probe(200, {"deal_value": 10}, {"external_id": "crm-other"}),
            Probe(409, {"external_id": "crm-taken"}, {"external_id": "crm-other"}),
        ],
        "invite_advocate": [Probe(409, {"email": seeded.advocate_email, "display_name": "Ada"})],
        "update_advocate": [
            Probe(200, {"job_title": "Engineer"}, {"user_id": ada}),
            Probe(409, {"add_to_groups": [seeded.segment_id]}, {"user_id": seeded.advocate_id}),
        ],
        "record_conversion": [
            Probe(404, {"order_id": "probe-0", "email": stranger}),
            Probe(
                201,
                {
                    "order_id": "probe-1",
                    "email": "buyer@probe.example",
                    "referral_code": seeded.referral_code,
                },
            ),
            Probe(200, {"order_id": "probe-1", "email": "buyer@probe.example"}),
            Probe(409, {"order_id": "probe-2", "email": "buyer@probe.example"}),
        ],
        "move_points": [
            Probe(404, {"email": stranger, "points": 5, "reason": "Probe"}, key="p-404"),
            Probe(201, {"user_id": ada, "points": 5, "reason": "P"}, key="p"),
            Probe(200, {"user_id": ada, "points": 5, "reason": "P"}, key="p"),
            Probe(409, {"user_id": ada, "points": 6, "reason": "P"}, key="p"),
        ],
        "record_event": [
            Probe(404, {"email": stranger, "type": "webinar_attended"}, key="e-404"),
            Probe(201, {"user_id": ada, "type": "webinar_attended"}, key="e-1"),
            Probe(200, {"user_id": ada, "type": "webinar_attended"}, key="e-1"),
        ],
        "update_redemption": [
            Probe(
                200,
                {"status": "rejected", "note": "Out of stock"},
                {"redemption_id": seeded.redemption_id},
            ),
            Probe(409, {"status": "approved"}, {"redemption_id": seeded.redemption_id}),
        ],
    }


class Run:
    """Sends cases, checks each answer and keeps the statuses each operation gave."""

    def __init__(self, server: ApiServer) -> None:
        self.server = server
        self.seen: dict[str, set[int]] = defaultdict(set)

    def send(self, case: Any, secret: str | None) -> int:
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        response = case.call(base_url=f"{self.server.base_url}/api/v1", headers=headers)
        case.validate_response(response, checks=CHECKS)
        self.seen[case.operation.label].add(response.status_code)
        return int(response.status_code)


def _probe(run: Run, operation: Any) -> None:
    """Each error the operation documents, on purpose."""
    seeded = run.server.seeded
    schema = operation.definition.raw
    documented = {int(status) for status in schema["responses"]}
    path_names = [p["name"] for p in schema.get("parameters", []) if p["in"] == "path"]
    missing = {name: MISSING_ID if name.endswith("_id") else "no-such-id" for name in path_names}
    headers = {p["name"]: "probe-key" for p in schema.get("parameters", []) if p["in"] == "header"}
    has_body = "requestBody" in schema
    valid_body = {"status": "approved"} if operation.label.endswith("{redemption_id}") else {}
    case: Callable[..., Any] = operation.Case

    def body_case(body: Any, path: dict[str, Any] | None = None, key: str | None = None) -> Any:
        kwargs: dict[str, Any] = {
            "path_parameters": path or missing,
            "headers": {"Idempotency-Key": key} if key else headers,
        }
        if has_body:
            kwargs |= {"body": body, "media_type": "application/json"}
        return case(**kwargs)

    assert run.send(body_case(valid_body), None) == 401
    scope = schema["security"][0]["token"][0]  # a token with another scope only
    lacking = seeded.referrals_secret if scope == "webhooks:manage" else seeded.webhooks_secret
    assert run.send(body_case(valid_body), lacking) == 403
    assert run.send(body_case(valid_body), seeded.exhausted_secret) == 429
    if has_body:
        assert run.send(body_case({"padding": "x" * 1_100_000}), seeded.secret) == 413
        assert run.send(body_case({"unexpected": True}), seeded.secret) == 422
    elif 422 in documented:
        first = next(p["name"] for p in schema["parameters"] if p["in"] == "query")
        bad = case(path_parameters=missing, query={first: "\x00"})
        assert run.send(bad, seeded.secret) == 422
    if path_names:
        assert run.send(body_case(valid_body), seeded.secret) == 404
    for probe in _specific(seeded).get(schema["operationId"], []):
        sent = body_case(probe.body, probe.path, probe.key)
        assert run.send(sent, seeded.secret) == probe.status, operation.label


def _never_outward(case: Any) -> Any:
    if isinstance(case.body, dict) and "url" in case.body:
        case.body["url"] = LOOPBACK_HOOK
    return case


def _fuzz(run: Run, operation: Any) -> None:
    @given(case=operation.as_strategy().map(_never_outward))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def answers_within_its_schema(case: Any) -> None:
        run.send(case, run.server.seeded.secret)

    answers_within_its_schema()


def _exercise(server: ApiServer) -> tuple[Run, dict[str, set[int]]]:
    api = schemathesis.openapi.from_url(f"{server.base_url}/api/v1/openapi.json")
    operations = [result.ok() for result in api.get_all_operations()]
    documented = {
        op.label: {int(status) for status in op.definition.raw["responses"]} for op in operations
    }
    run = Run(server)
    for operation in operations:  # the probes first: the fuzzing changes the data they need
        _probe(run, operation)
    for operation in operations:
        _fuzz(run, operation)
    return run, documented


async def test_every_operation_answers_as_documented_and_gives_every_documented_status(
    api_server: ApiServer,
) -> None:
    run, documented = await asyncio.to_thread(_exercise, api_server)
    assert "PATCH /referrals/by-external-id/{external_id}" in documented
    assert len(documented) >= 15
    never_seen = {
        label: sorted(statuses - run.seen[label])
        for label, statuses in documented.items()
        if statuses - run.seen[label]
    }
    assert never_seen == {}
