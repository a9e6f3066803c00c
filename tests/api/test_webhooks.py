"""/api/v1/webhooks: a system with `webhooks:manage` sets up its own endpoint, receives a signed
test event on a real loopback receiver, reads the log, redelivers and rotates the secret;
addresses webhooks may not call are refused with the field named."""

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks.webhooks import Webhook

from portal.api_tokens.models import Scope
from portal.audit.models import AuditEntry
from portal.auth import service as auth
from portal.people.models import Role
from portal.people.service import access_user
from portal.webhooks.receiver import Receiver
from tests.api.tokens import bearer, make_token
from tests.conftest import free_port
from tests.factories import make_admin
from tests.webhooks.receivers import serving

MANAGE = frozenset({Scope.WEBHOOKS_MANAGE})


async def test_an_endpoint_made_by_api_gets_signed_events_and_its_log_and_redelivery(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    headers = bearer(await make_token(session, scopes=MANAGE))
    port = free_port()
    made = await client.post(
        "/api/v1/webhooks",
        json={
            "url": f"http://127.0.0.1:{port}/hooks",
            "event_types": ["referral.created", "referral.stage_changed"],
            "description": "Our CRM",
        },
        headers=headers,
    )
    assert made.status_code == 201, made.text
    endpoint, secret = made.json()["endpoint"], made.json()["secret"]
    assert secret.startswith("whsec_")
    assert endpoint["event_types"] == ["referral.created", "referral.stage_changed"]
    receiver = Receiver([secret])

    async with serving(receiver.app(), port):
        tested = await client.post(f"/api/v1/webhooks/{endpoint['id']}/test", headers=headers)
        assert tested.status_code == 201
        log = await client.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries", headers=headers)
        [delivery] = log.json()["items"]
        assert (delivery["event_type"], delivery["status"], delivery["last_status_code"]) == (
            "webhook.test",
            "delivered",
            204,
        )
        again = await client.post(
            f"/api/v1/webhooks/{endpoint['id']}/deliveries/{delivery['id']}/redeliver",
            headers=headers,
        )
        assert again.status_code == 200

    assert [message.event_type for message in receiver.received] == ["webhook.test"] * 2
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery["message_id"]
    assert Webhook(secret).verify(first.body, first.headers)["type"] == "webhook.test"
    listed = await client.get("/api/v1/webhooks", headers=headers)
    assert [item["url"] for item in listed.json()["items"]] == [f"http://127.0.0.1:{port}/hooks"]
    audited = await session.scalars(
        select(AuditEntry.summary)
        .where(AuditEntry.action == "api.webhooks:manage")
        .order_by(AuditEntry.id)
    )
    assert [summary.split(": ", 1)[1] for summary in audited] == [  # writes only, not reads
        "POST /api/v1/webhooks",
        f"POST /api/v1/webhooks/{endpoint['id']}/test",
        f"POST /api/v1/webhooks/{endpoint['id']}/deliveries/{delivery['id']}/redeliver",
    ]


async def test_a_rotation_by_api_signs_with_both_secrets_for_a_day(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    headers = bearer(await make_token(session, scopes=MANAGE))
    port = free_port()
    made = await client.post(
        "/api/v1/webhooks",
        json={"url": f"http://127.0.0.1:{port}/", "event_types": ["points.awarded"]},
        headers=headers,
    )
    endpoint_id, old = made.json()["endpoint"]["id"], made.json()["secret"]
    rotated = await client.post(f"/api/v1/webhooks/{endpoint_id}/rotate-secret", headers=headers)
    assert rotated.status_code == 200
    new = rotated.json()["secret"]
    assert new != old
    assert rotated.json()["endpoint"]["previous_secret_signs_until"] is not None
    receiver = Receiver([new])
    async with serving(receiver.app(), port):
        await client.post(f"/api/v1/webhooks/{endpoint_id}/test", headers=headers)
    [message] = receiver.received
    for secret in (old, new):
        assert Webhook(secret).verify(message.body, message.headers)["type"] == "webhook.test"
    changed = await client.patch(
        f"/api/v1/webhooks/{endpoint_id}", json={"enabled": False}, headers=headers
    )
    assert (changed.status_code, changed.json()["enabled"]) == (200, False)
    assert changed.json()["event_types"] == ["points.awarded"]


async def test_addresses_webhooks_may_not_call_and_unknown_events_are_refused_by_field(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    headers = bearer(await make_token(session, scopes=MANAGE))
    for url in ("http://10.0.0.8/hook", "http://169.254.169.254/latest", "ftp://example.com/"):
        refused = await client.post(
            "/api/v1/webhooks",
            json={"url": url, "event_types": ["referral.created"]},
            headers=headers,
        )
        assert refused.status_code == 422, url
        assert refused.json()["errors"][0]["field"] == "url"
    unknown = await client.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1:9/", "event_types": ["referral.deleted"]},
        headers=headers,
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "event_types.0"
    reader = bearer(await make_token(session, scopes=frozenset({Scope.REFERRALS_READ})))
    assert (await client.get("/api/v1/webhooks", headers=reader)).status_code == 403


async def test_a_token_stops_working_when_its_maker_is_no_longer_an_admin(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    maker, other_admin = await make_admin(session), await make_admin(session)
    headers = bearer(await make_token(session, admin=maker))
    assert (await client.get("/api/v1/webhooks", headers=headers)).status_code == 200
    await auth.set_roles(
        session,
        actor=await access_user(session, other_admin.id),
        user=await access_user(session, maker.id),
        roles={Role.MARKETER},
    )
    refused = await client.get("/api/v1/webhooks", headers=headers)
    assert refused.status_code == 401
    assert "not valid" in refused.json()["detail"]
