"""The conversion postback credits the advocate once per order, also without the cookie; points
move through the ledger once per Idempotency-Key."""

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.points import service as points
from portal.referrals.models import Referral, Source, Stage
from tests.api.tokens import bearer, make_token
from tests.factories import make_admin, make_advocate, make_referral


async def test_a_conversion_by_code_makes_a_won_referral_once_per_order(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session)
    headers = bearer(await make_token(session))
    body = {
        "order_id": "ord-42",
        "email": "Buyer@Shop.example",
        "referral_code": ada.referral_code,
        "deal_value": 990,
    }
    first = await client.post("/api/v1/conversions", json=body, headers=headers)
    assert first.status_code == 201, first.text
    referral = first.json()["referral"]
    assert referral["stage"] == "won"
    assert referral["source"] == "code"
    assert referral["order_id"] == "ord-42"
    assert referral["external_id"] is None
    assert referral["deal_value"] == 990
    again = await client.post("/api/v1/conversions", json=body, headers=headers)
    assert again.status_code == 200
    assert again.json()["repeated"] is True
    assert again.json()["referral"] == referral
    assert (await points.balance_of(session, ada)).current == 50 + 200 + 300 + 1000
    stored = await session.get(Referral, referral["id"])
    assert stored is not None
    assert stored.source == Source.CODE


async def test_a_conversion_credits_the_prospects_existing_referral_whatever_code_comes(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session)
    other = await make_advocate(session)
    existing = await make_referral(session, ada, email="buyer@shop.example")
    headers = bearer(await make_token(session))
    response = await client.post(
        "/api/v1/conversions",
        json={
            "order_id": "o-1",
            "email": "buyer@shop.example",
            "referral_code": other.referral_code,
        },
        headers=headers,
    )
    assert response.status_code == 201
    assert response.json()["referral"]["id"] == existing.id
    assert (await points.balance_of(session, other)).current == 0
    second_order = await client.post(
        "/api/v1/conversions",
        json={"order_id": "o-2", "email": "buyer@shop.example"},
        headers=headers,
    )
    assert second_order.status_code == 409
    unknown = await client.post(
        "/api/v1/conversions",
        json={"order_id": "o-3", "email": "new@shop.example"},
        headers=headers,
    )
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["field"] == "email"
    assert "Nobody referred this customer" in unknown.json()["detail"]
    bad_code = await client.post(
        "/api/v1/conversions",
        json={"order_id": "o-4", "email": "new@shop.example", "referral_code": "nobody"},
        headers=headers,
    )
    assert bad_code.status_code == 422
    assert bad_code.json()["errors"][0]["field"] == "referral_code"
    won = await session.scalar(select(Referral).where(Referral.stage == Stage.WON))
    assert won is not None
    assert won.id == existing.id


async def test_points_move_once_per_key_and_never_for_the_tokens_own_admin(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_admin(session)
    ada = await make_advocate(session, email="ada@example.com")
    headers = {**bearer(await make_token(session, admin=admin)), "Idempotency-Key": "bonus-1"}
    body = {"email": "ada@example.com", "points": 300, "reason": "Spoke at our conference"}
    first = await client.post("/api/v1/points", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["balance_after"] == 300
    assert first.json()["multiplier_percent"] is None  # a manual award is never multiplied
    again = await client.post("/api/v1/points", json=body, headers=headers)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert (await points.balance_of(session, ada)).current == 300
    changed = await client.post("/api/v1/points", json={**body, "points": 5}, headers=headers)
    assert changed.status_code == 409
    back = await client.post(
        "/api/v1/points",
        json={"user_id": ada.id, "points": -100, "reason": "Duplicate award"},
        headers={**headers, "Idempotency-Key": "fix-1"},
    )
    assert back.status_code == 201
    assert back.json()["kind"] == "adjust"
    assert (await points.balance_of(session, ada)).current == 200
    own = await client.post(
        "/api/v1/points",
        json={"user_id": admin.id, "points": 10, "reason": "Me"},
        headers={**headers, "Idempotency-Key": "own"},
    )
    assert own.status_code == 409
    zero = await client.post(
        "/api/v1/points",
        json={"user_id": ada.id, "points": 0, "reason": "Nothing"},
        headers={**headers, "Idempotency-Key": "zero"},
    )
    assert zero.status_code == 422
    assert zero.json()["errors"][0]["field"] == "points"


async def test_a_sale_reported_by_referral_code_alone_credits_the_advocate(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """A shop that never learnt the buyer's email (a coupon code at checkout) still pays the
    advocate: a won referral without an email, once per order."""
    ada = await make_advocate(session)
    headers = bearer(await make_token(session))
    body = {"order_id": "shop-9001", "referral_code": ada.referral_code, "deal_value": 49}
    first = await client.post("/api/v1/conversions", json=body, headers=headers)
    assert first.status_code == 201, first.text
    referral = first.json()["referral"]
    assert (referral["stage"], referral["order_id"], referral["deal_value"]) == (
        "won",
        "shop-9001",
        49,
    )
    assert referral["prospect"]["email"] is None
    assert referral["prospect"]["name"] == "Customer of order shop-9001"
    assert referral["referrer_id"] == ada.id
    again = await client.post("/api/v1/conversions", json=body, headers=headers)
    assert (again.status_code, again.json()["repeated"]) == (200, True)
    another = await client.post(
        "/api/v1/conversions",
        json={"order_id": "shop-9002", "referral_code": ada.referral_code, "name": "Grace"},
        headers=headers,
    )
    assert another.status_code == 201
    assert another.json()["referral"]["prospect"]["name"] == "Grace"
    assert (await points.balance_of(session, ada)).current == 2 * (50 + 200 + 300 + 1000)


async def test_a_conversion_credits_a_referral_the_crm_made_and_keeps_its_crm_id(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session)
    headers = bearer(await make_token(session))
    made = await client.post(
        "/api/v1/referrals",
        json={
            "referrer_id": ada.id,
            "prospect": {"name": "Buyer", "email": "buyer@shop.example"},
            "external_id": "deal-5",
        },
        headers=headers,
    )
    assert made.status_code == 201, made.text
    converted = await client.post(
        "/api/v1/conversions",
        json={"order_id": "inv-77", "email": "buyer@shop.example", "deal_value": 500},
        headers=headers,
    )
    assert converted.status_code == 201, converted.text
    referral = converted.json()["referral"]
    assert (referral["id"], referral["stage"]) == (made.json()["id"], "won")
    assert (referral["external_id"], referral["order_id"]) == ("deal-5", "inv-77")


async def test_conversion_errors_name_the_fields_to_fix(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session, email="ada@example.com")
    headers = bearer(await make_token(session))
    nobody = await client.post("/api/v1/conversions", json={"order_id": "o-1"}, headers=headers)
    assert nobody.status_code == 422
    assert {e["field"] for e in nobody.json()["errors"]} == {"email", "referral_code"}
    assert nobody.headers["content-type"] == "application/problem+json"
    member = await client.post(
        "/api/v1/conversions",
        json={"order_id": "o-2", "email": "ada@example.com", "referral_code": ada.referral_code},
        headers=headers,
    )
    assert member.status_code == 409
    assert member.json()["errors"][0]["field"] == "email"
    assert await session.scalar(select(Referral.id)) is None
