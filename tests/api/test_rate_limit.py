"""Requests per token per minute, counted where every worker sees them: Redis when REDIS_URL is
set, the database otherwise. Past the limit: 429 with Retry-After."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from portal import clock
from portal.app import create_app
from portal.config import Settings
from tests.api.tokens import bearer, make_token
from tests.conftest import REDIS_DB, REDIS_HOST, REDIS_PORT, joined_sessionmaker


@contextmanager
def early_in_a_minute() -> Iterator[None]:
    """The requests all fall in one minute, whenever the test runs."""
    with clock.shifted(timedelta(seconds=1 - clock.utcnow().second)):
        yield


@pytest.mark.parametrize("counter", ["database", "redis"])
async def test_a_token_past_its_limit_gets_429_with_retry_after(
    settings: Settings,
    connection: AsyncConnection,
    session: AsyncSession,
    arq_redis: object,
    counter: str,
) -> None:
    redis_url = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}" if counter == "redis" else None
    app = create_app(
        settings.model_copy(update={"api_requests_per_minute": 2, "redis_url": redis_url}),
        sessionmaker=joined_sessionmaker(connection),
    )
    headers = bearer(await make_token(session))
    other = bearer(await make_token(session))
    await session.flush()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://portal.test"
    ) as client:
        with early_in_a_minute():
            statuses = [
                (await client.get("/api/v1/referrals", headers=headers)).status_code
                for _ in range(3)
            ]
            refused = await client.get("/api/v1/referrals", headers=headers)
            others = await client.get("/api/v1/referrals", headers=other)
    if counter == "redis":
        await app.state.api_redis.aclose()
    assert statuses == [200, 200, 429]
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.json()["title"] == "Too many requests"
    assert others.status_code == 200  # the limit is per token
