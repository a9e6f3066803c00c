"""API tokens: made by admins on Manage → API tokens, shown once, stored hashed, scoped,
revocable, expiring; the API refuses anything else with a problem detail."""

from datetime import timedelta

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.api_tokens import service as tokens
from portal.api_tokens.models import ApiToken, Scope
from portal.clock import utcnow
from tests.api.tokens import bearer, make_token
from tests.factories import login_as, make_admin, make_marketer, post_form


async def test_an_admin_makes_a_token_sees_its_secret_once_and_the_portal_keeps_a_hash(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_admin(session)
    await login_as(client, admin)
    response = await post_form(
        client,
        "/manage/api-tokens/",
        {"name": "Salesforce", "scopes": ["referrals:read", "referrals:write"], "expires_at": ""},
    )
    assert response.status_code == 200
    secret = BeautifulSoup(response.text, "html.parser").select_one("#api-secret")
    assert secret is not None
    shown = str(secret["value"])
    assert shown.startswith("ap_")
    token = await session.scalar(select(ApiToken).where(ApiToken.name == "Salesforce"))
    assert token is not None
    assert shown not in (token.secret_hash, token.prefix)
    assert len(token.secret_hash) == 64
    assert token.scope_set == {Scope.REFERRALS_READ, Scope.REFERRALS_WRITE}
    listing = await client.get("/manage/api-tokens/")
    assert "Salesforce" in listing.text
    assert shown not in listing.text
    used = await client.get("/api/v1/referrals", headers={"Authorization": f"Bearer {shown}"})
    assert used.status_code == 200
    await session.refresh(token)
    assert token.last_used_at is not None
    assert token.last_used_address_hash
    row = BeautifulSoup((await client.get("/manage/api-tokens/")).text, "html.parser").select_one(
        f"#token-{token.id}"
    )
    assert row is not None
    assert f"from {token.last_used_address_hash[:8]}" in row.get_text(" ", strip=True)


async def test_the_token_form_keeps_what_was_typed_and_names_the_problem(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_admin(session))
    response = await post_form(
        client, "/manage/api-tokens/", {"name": "Shop", "expires_at": "2020-01-01T00:00"}
    )
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    assert "Choose at least one scope." in page.text
    name = page.select_one("input[name=name]")
    assert name is not None
    assert name["value"] == "Shop"


async def test_only_admins_see_the_tokens_page(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    assert (await client.get("/manage/api-tokens/")).status_code in (403, 404)


async def test_revoked_expired_wrong_and_missing_tokens_get_401_as_problem_details(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    made = await make_token(session)
    assert (await client.get("/api/v1/referrals", headers=bearer(made))).status_code == 200
    for headers in (
        {},
        {"Authorization": "Bearer nonsense"},
        {"Authorization": made.secret[:-1] + "x"},
        {"Authorization": f"Bearer {made.secret[:-1]}x"},
    ):
        response = await client.get("/api/v1/referrals", headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
    made.token.expires_at = utcnow() - timedelta(seconds=1)
    assert (await client.get("/api/v1/referrals", headers=bearer(made))).status_code == 401
    made.token.expires_at = None
    await tokens.revoke_token(session, actor=await make_admin(session), token_id=made.token.id)
    assert (await client.get("/api/v1/referrals", headers=bearer(made))).status_code == 401


async def test_a_token_without_the_scope_gets_403(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    made = await make_token(session, scopes=frozenset({Scope.REWARDS_READ}))
    response = await client.get("/api/v1/referrals", headers=bearer(made))
    assert response.status_code == 403
    assert "referrals:read" in response.json()["detail"]


async def test_a_signed_in_browser_session_is_no_api_token(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_admin(session))
    response = await client.post("/api/v1/referrals", json={})
    assert response.status_code == 401
