"""schemathesis against /api/v1/openapi.json, on both engines: `portal run` serves a database
with a token and a little data, schemathesis generates requests from the document and checks
each answer: no 5xx, a documented status and content type, a body that matches its schema."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from portal.advocacy import service as advocacy
from portal.db import create_engine, create_sessionmaker
from tests.api.tokens import make_token
from tests.browser.conftest import _portal, _portal_env, _running
from tests.conftest import create_pg_database, drop_pg_database, free_port
from tests.factories import make_advocate, make_referral

EXAMPLES = 4
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@dataclass(frozen=True)
class ApiServer:
    base_url: str
    headers: dict[str, str]


async def _seed(url: str) -> str:
    """A token with every scope, an advocate, a referral and an event type; the token's secret."""
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            made = await make_token(session)
            ada = await make_advocate(session, email="ada@example.com")
            await make_referral(session, ada)
            await advocacy.create_event_type(
                session,
                actor=ada,
                key="webinar_attended",
                name="Webinar",
                points=10,
                challenge_id=None,
            )
            await session.commit()
            return made.secret
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
    secret = await _seed(url)
    with _running(port, env, var_dir / "portal.log"):
        yield ApiServer(env["BASE_URL"], {"Authorization": f"Bearer {secret}"})
    if backend == "postgresql":
        await drop_pg_database(database)


def _fuzz(server: ApiServer) -> list[str]:
    """Every operation of the document, a few generated requests each; the operations tried."""
    api = schemathesis.openapi.from_url(f"{server.base_url}/api/v1/openapi.json")
    tried = []
    for result in api.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def answers_within_its_schema(case: Any) -> None:
            case.call_and_validate(
                base_url=f"{server.base_url}/api/v1", headers=server.headers, checks=CHECKS
            )

        answers_within_its_schema()
        tried.append(operation.label)
    return tried


async def test_every_operation_answers_within_its_documented_schema(
    api_server: ApiServer,
) -> None:
    tried = await asyncio.to_thread(_fuzz, api_server)
    assert "PATCH /referrals/by-external-id/{external_id}" in tried
    assert len(tried) >= 15
