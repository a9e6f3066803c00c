"""Two app instances on one database and one Redis, as two hosts behind a load balancer would
be: each has its own engine and its own process memory (program cache, clients), and still a
settings change, a session and the throttles made on one are seen by the other."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from uuid import uuid4

import httpx
import pytest_asyncio
from bs4 import BeautifulSoup
from sqlalchemy.ext.asyncio import AsyncEngine

from portal.app import create_app
from portal.config import Settings
from portal.db import create_engine, create_sessionmaker
from tests.api.test_rate_limit import early_in_a_minute
from tests.api.tokens import bearer, make_token
from tests.conftest import REDIS_DB, REDIS_HOST, REDIS_PORT
from tests.factories import PASSWORD, csrf_token, login_as, make_admin, make_advocate, post_form


@dataclass
class Hosts:
    a: httpx.AsyncClient
    b: httpx.AsyncClient
    sessionmaker: object

    def both(self) -> tuple[httpx.AsyncClient, httpx.AsyncClient]:
        return self.a, self.b


@pytest_asyncio.fixture
async def hosts(
    committed_engine: AsyncEngine, settings: Settings, arq_redis: object
) -> AsyncIterator[Hosts]:
    url = committed_engine.url.render_as_string(hide_password=False)
    shared = settings.model_copy(
        update={
            "database_url": url,
            "redis_url": f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
            "login_max_failures": 3,
            "api_requests_per_minute": 3,
        }
    )
    async with AsyncExitStack() as stack:
        clients = []
        for _ in range(2):  # an engine, a pool and an app each: nothing in memory is shared
            engine = create_engine(url)
            stack.push_async_callback(engine.dispose)
            app = create_app(shared, sessionmaker=create_sessionmaker(engine))
            stack.push_async_callback(close_api_redis, app)
            clients.append(
                await stack.enter_async_context(
                    httpx.AsyncClient(
                        transport=httpx.ASGITransport(app=app), base_url="http://portal.test"
                    )
                )
            )
        yield Hosts(clients[0], clients[1], create_sessionmaker(committed_engine))


async def close_api_redis(app: object) -> None:
    client = getattr(app.state, "api_redis", None)  # type: ignore[attr-defined]
    if client is not None:
        await client.aclose()


async def committed(hosts: Hosts, make: object, **kwargs: object) -> object:
    async with hosts.sessionmaker() as session:  # type: ignore[operator]
        made = await make(session, **kwargs)  # type: ignore[operator]
        await session.commit()
        return made


def brand(response: httpx.Response) -> str:
    return BeautifulSoup(response.text, "html.parser").select_one(".brand-name").get_text()


async def test_a_session_started_on_one_host_is_known_and_ended_on_the_other(
    hosts: Hosts,
) -> None:
    advocate = await committed(hosts, make_advocate, email=f"{uuid4().hex}@example.com")
    await login_as(hosts.a, advocate)  # type: ignore[arg-type]
    hosts.b.cookies = hosts.a.cookies  # the load balancer sends the next request to B
    assert (await hosts.b.get("/profile")).status_code == 200

    token = await csrf_token(hosts.b, "/profile")
    assert (await hosts.b.post("/logout", data={"csrf_token": token})).status_code == 303
    hosts.b.cookies.clear()
    # The cookie A still holds names a session that B ended: A refuses it too.
    assert (await hosts.a.get("/profile")).status_code == 303


async def test_a_settings_change_on_one_host_shows_on_the_other_at_once(hosts: Hosts) -> None:
    admin = await committed(hosts, make_admin, email=f"{uuid4().hex}@example.com")
    for host in hosts.both():
        await login_as(host, admin)  # type: ignore[arg-type]
        before = brand(await host.get("/"))  # each host now holds the program in its cache
    name = f"Program {uuid4().hex[:8]}"
    form = {
        "program_name": name,
        "tagline": "",
        "signup_mode": "closed",
        "points_per_money_unit": "100",
    }
    response = await post_form(hosts.a, "/manage/settings/", form)
    assert response.status_code == 303, response.text
    assert before != name
    assert brand(await hosts.b.get("/")) == name
    assert brand(await hosts.a.get("/")) == name


async def test_failed_sign_ins_on_both_hosts_add_up_to_one_throttle(hosts: Hosts) -> None:
    advocate = await committed(hosts, make_advocate, email=f"{uuid4().hex}@example.com")

    async def sign_in(host: httpx.AsyncClient, password: str) -> httpx.Response:
        token = await csrf_token(host)
        return await host.post(
            "/login",
            data={"csrf_token": token, "email": advocate.email, "password": password},  # type: ignore[attr-defined]
        )

    assert (await sign_in(hosts.a, "wrong one")).status_code == 200
    assert (await sign_in(hosts.b, "wrong two")).status_code == 200
    assert (await sign_in(hosts.a, "wrong three")).status_code == 200
    refused = await sign_in(hosts.b, PASSWORD)  # right, but the account is throttled
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.text


async def test_an_api_token_limit_counts_requests_on_both_hosts(hosts: Hosts) -> None:
    made = await committed(hosts, make_token)
    headers = bearer(made)  # type: ignore[arg-type]
    with early_in_a_minute():
        statuses = [
            (await host.get("/api/v1/referrals", headers=headers)).status_code
            for host in (hosts.a, hosts.b, hosts.a, hosts.b)
        ]
    assert statuses == [200, 200, 200, 429]
