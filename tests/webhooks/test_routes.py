"""Manage → Webhooks, as an admin would use it (and nobody else can)."""

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.audit.models import AuditEntry
from portal.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.auth.test_reauth import LATER, answer
from tests.factories import PASSWORD, login_as, make_admin, make_marketer, make_sales, post_form

FORM = {
    "url": "http://127.0.0.1:9/hooks",
    "description": "Our CRM",
    "event_types": ["referral.created", "referral.stage_changed"],
    "enabled": "on",
}


async def add_endpoint(client: httpx.AsyncClient, session: AsyncSession) -> WebhookEndpoint:
    response = await post_form(client, "/manage/webhooks/new", FORM)
    assert response.status_code == 303
    endpoint = await session.scalar(select(WebhookEndpoint))
    assert endpoint is not None
    return endpoint


async def test_an_admin_adds_an_endpoint_and_sees_it_listed(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_admin(session))
    endpoint = await add_endpoint(client, session)

    assert endpoint.subscribed == ["referral.created", "referral.stage_changed"]
    assert endpoint.secret.startswith("whsec_")
    listing = BeautifulSoup((await client.get("/manage/webhooks/")).text, "html.parser")
    row = listing.select_one(f"#endpoint-{endpoint.id}").get_text(" ", strip=True)
    assert "http://127.0.0.1:9/hooks" in row
    assert "Enabled" in row
    detail = BeautifulSoup(
        (await client.get(f"/manage/webhooks/{endpoint.id}")).text, "html.parser"
    )
    assert endpoint.secret not in detail.get_text()  # only on demand
    assert detail.select_one("input[value='referral.created']").has_attr("checked")
    assert not detail.select_one("input[value='points.awarded']").has_attr("checked")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"url": "http://10.0.0.8/hooks"}, "url", "private network address"),
        ({"url": "not a link"}, "url", "Enter a full link"),
        ({"event_types": []}, "event_types", "Choose at least one event"),
    ],
)
async def test_a_bad_endpoint_is_explained_and_the_form_keeps_what_was_typed(
    client: httpx.AsyncClient,
    session: AsyncSession,
    changes: dict[str, str | list[str]],
    field: str,
    message: str,
) -> None:
    await login_as(client, await make_admin(session))
    response = await post_form(client, "/manage/webhooks/new", {**FORM, **changes})

    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    assert message in page.select_one(f"#f-{field}-error").get_text()
    assert page.select_one("#f-description")["value"] == "Our CRM"
    assert await session.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0


async def test_the_secret_shows_after_confirming_its_you_and_the_look_is_audited(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_admin(session))
    endpoint = await add_endpoint(client, session)
    action = f"/manage/webhooks/{endpoint.id}/secret"

    with clock.shifted(LATER):
        prompt = await post_form(client, action, {}, page=f"/manage/webhooks/{endpoint.id}")
        page = BeautifulSoup(prompt.text, "html.parser")
        assert page.select_one("h1").get_text() == "Confirm it's you"
        assert endpoint.secret not in prompt.text
        shown = await answer(client, prompt, action, reauth_password=PASSWORD)

    assert shown.status_code == 200
    assert shown.headers["Cache-Control"] == "no-store"
    page = BeautifulSoup(shown.text, "html.parser")
    assert page.select_one("#secret-value").get_text() == endpoint.secret
    assert await session.scalar(
        select(func.count()).where(AuditEntry.action == "webhook.secret_shown")
    )


async def test_rotating_keeps_the_old_secret_signing_for_a_day(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_admin(session))
    endpoint = await add_endpoint(client, session)
    old = endpoint.secret

    response = await post_form(
        client, f"/manage/webhooks/{endpoint.id}/rotate", {}, page="/manage/webhooks/"
    )

    assert response.status_code == 303
    await session.refresh(endpoint)
    assert (endpoint.previous_secret, endpoint.secret != old) == (old, True)
    page = BeautifulSoup((await client.get(f"/manage/webhooks/{endpoint.id}")).text, "html.parser")
    assert "The previous secret also signs until" in page.select_one("#overlap").get_text()


async def test_a_test_event_shows_in_the_delivery_log(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    await login_as(client, await make_admin(session))
    endpoint = await add_endpoint(client, session)

    sent = await post_form(
        client, f"/manage/webhooks/{endpoint.id}/test", {}, page="/manage/webhooks/"
    )
    assert sent.status_code == 303

    page = await client.get(f"/manage/webhooks/{endpoint.id}", headers=htmx)
    log = BeautifulSoup(page.text, "html.parser").select_one("#delivery-log")
    delivery = await session.scalar(select(WebhookDelivery))
    assert delivery is not None
    row = log.select_one(f"#delivery-{delivery.id}").get_text(" ", strip=True)
    assert "webhook.test" in row
    assert ("<html" in page.text) == (not htmx)


@pytest.mark.parametrize("make_staff", [make_marketer, make_sales])
async def test_only_admins_manage_webhooks(
    client: httpx.AsyncClient, session: AsyncSession, make_staff: object
) -> None:
    await login_as(client, await make_staff(session))  # type: ignore[operator]
    assert (await client.get("/manage/webhooks/")).status_code == 403
    refused = await post_form(client, "/manage/webhooks/new", FORM)
    assert refused.status_code == 403
    assert await session.scalar(select(func.count()).select_from(WebhookEndpoint)) == 0
