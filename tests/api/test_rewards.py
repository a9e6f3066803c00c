"""/api/v1/rewards and /redemptions: a fulfilment partner lists what needs work, approves,
fulfils with tracking, or rejects with the points refunded."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from portal.api_tokens.models import Scope
from portal.points import service as points
from portal.rewards import service as rewards
from tests.api.tokens import bearer, make_token
from tests.factories import give_points, make_advocate, make_reward

SHIPPING = {"name": "Ada", "address": "1 Loop Lane", "city": "London", "country": "UK"}


async def test_a_partner_approves_and_fulfils_one_and_rejects_another_with_a_refund(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session)
    await give_points(session, ada, 1000)
    hoodie = await make_reward(session, inventory=5)
    sent = await rewards.request_redemption(
        session, user=ada, reward_id=hoodie.id, key="r1", shipping=SHIPPING
    )
    declined = await rewards.request_redemption(
        session, user=ada, reward_id=hoodie.id, key="r2", shipping=SHIPPING
    )
    headers = bearer(await make_token(session))
    listed = await client.get("/api/v1/rewards", headers=headers)
    assert [(item["title"], item["open_redemptions"]) for item in listed.json()["items"]] == [
        ("Acme hoodie", 2)
    ]
    queue = await client.get("/api/v1/redemptions", headers=headers)
    assert {item["id"] for item in queue.json()["items"]} == {sent.id, declined.id}
    url = f"/api/v1/redemptions/{sent.id}"
    early = await client.patch(url, json={"status": "fulfilled", "note": "DHL 1"}, headers=headers)
    assert early.status_code == 409
    assert (
        await client.patch(url, json={"status": "approved"}, headers=headers)
    ).status_code == 200
    done = await client.patch(url, json={"status": "fulfilled", "note": "DHL 1"}, headers=headers)
    assert done.json()["status"] == "fulfilled"
    assert done.json()["tracking_note"] == "DHL 1"
    no_reason = await client.patch(
        f"/api/v1/redemptions/{declined.id}", json={"status": "rejected"}, headers=headers
    )
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "note"
    rejected = await client.patch(
        f"/api/v1/redemptions/{declined.id}",
        json={"status": "rejected", "note": "Out of that size"},
        headers=headers,
    )
    assert rejected.json()["status"] == "rejected"
    assert (await points.balance_of(session, ada)).current == 1000 - 500
    fulfilled = await client.get("/api/v1/redemptions?status=fulfilled", headers=headers)
    assert [item["id"] for item in fulfilled.json()["items"]] == [sent.id]


async def test_reading_is_not_writing(client: httpx.AsyncClient, session: AsyncSession) -> None:
    headers = bearer(await make_token(session, scopes=frozenset({Scope.REWARDS_READ})))
    response = await client.patch(
        "/api/v1/redemptions/1", json={"status": "approved"}, headers=headers
    )
    assert response.status_code == 403
