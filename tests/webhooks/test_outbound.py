"""Outbound requests never reach inside the network: private, loopback (unless allowed) and
link-local addresses are refused, also behind a DNS name; redirects are not followed."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette
from starlette.responses import RedirectResponse
from starlette.routing import Route

from portal.webhooks import outbound
from portal.webhooks.models import WebhookEndpoint
from portal.webhooks.outbound import RefusedAddress
from portal.webhooks.receiver import Receiver
from portal.webhooks.service import endpoints
from tests.conftest import free_port
from tests.factories import make_admin
from tests.webhooks.receivers import serving

INSIDE = [
    ("http://10.1.2.3/hook", "private network"),
    ("http://192.168.0.10:8080/hook", "private network"),
    ("http://172.16.5.5/hook", "private network"),
    ("http://169.254.169.254/latest/meta-data", "link-local"),
    ("http://[fe80::1]/hook", "link-local"),
    ("http://[fd00::1]/hook", "private network"),
    ("http://0.0.0.0/hook", "private network"),
    ("http://[::ffff:10.0.0.1]/hook", "private network"),
]


@pytest.mark.parametrize(("url", "why"), INSIDE)
async def test_inside_addresses_are_refused_even_when_loopback_is_allowed(
    url: str, why: str
) -> None:
    with pytest.raises(RefusedAddress, match=why):
        await outbound.resolve(url, allow_loopback=True)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/hook", "http://[::1]:9/hook", "http://localhost:9/hook"]
)
async def test_loopback_and_names_resolving_to_it_are_refused_unless_allowed(url: str) -> None:
    with pytest.raises(RefusedAddress, match="loopback"):
        await outbound.resolve(url, allow_loopback=False)
    assert (await outbound.resolve(url, allow_loopback=True)).is_loopback


@pytest.mark.parametrize(
    "url", ["ftp://example.com/x", "http:///nohost", "https://user:pw@example.com/x"]
)
async def test_only_plain_http_and_https_addresses_are_called(url: str) -> None:
    with pytest.raises(RefusedAddress):
        await outbound.resolve(url, allow_loopback=True)


async def test_a_refused_address_is_never_contacted() -> None:
    port = free_port()
    receiver = Receiver(["whsec_" + "A" * 44])
    async with serving(receiver.app(), port):
        outcome = await outbound.post(
            f"http://localhost:{port}/hook", body=b"{}", headers={}, allow_loopback=False
        )
    assert receiver.received == []
    assert (outcome.ok, outcome.status_code) == (False, None)
    assert "loopback" in outcome.error


async def test_redirects_are_not_followed() -> None:
    followed: list[str] = []

    async def elsewhere(request: object) -> RedirectResponse:
        return RedirectResponse("/landed", status_code=307)

    async def landed(request: object) -> RedirectResponse:
        followed.append("landed")
        return RedirectResponse("/", status_code=200)

    port = free_port()
    app = Starlette(
        routes=[
            Route("/hook", elsewhere, methods=["POST"]),
            Route("/landed", landed, methods=["POST"]),
        ]
    )
    async with serving(app, port):
        outcome = await outbound.post(
            f"http://127.0.0.1:{port}/hook", body=b"{}", headers={}, allow_loopback=True
        )
    assert (outcome.ok, outcome.status_code, followed) == (False, 307, [])


async def test_an_endpoint_inside_the_network_is_refused_and_nothing_is_saved(
    session: AsyncSession,
) -> None:
    admin = await make_admin(session)
    with pytest.raises(endpoints.UnsafeUrl, match="private network"):
        await endpoints.create_endpoint(
            session,
            actor=admin,
            fields=endpoints.EndpointFields(
                url="http://10.0.0.7/hook",
                description="",
                event_types=["referral.created"],
                enabled=True,
            ),
            allow_loopback=False,
        )
    assert await session.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0
