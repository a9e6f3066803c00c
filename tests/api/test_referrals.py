"""/api/v1/referrals: a CRM creates referrals under the form's rules and moves them by its own
id and stage names; the advocate's points, timeline and notifications are the browser's."""

from typing import Any

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.models import AuditEntry
from portal.points import service as points
from portal.referrals import service as referrals
from portal.referrals.models import Referral, ReferralEvent, Source, Stage
from tests.api.tokens import bearer, make_token
from tests.factories import login_as, make_advocate, make_marketer, make_referral, post_form

PROSPECT = {"name": "Grace Hopper", "email": "Grace@NavyLabs.example", "company": "Navy Labs"}


async def _create(
    client: httpx.AsyncClient, headers: dict[str, str], **body: Any
) -> httpx.Response:
    return await client.post("/api/v1/referrals", json=body, headers=headers)


async def test_a_crm_creates_a_referral_that_pays_and_shows_like_the_forms(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session, email="ada@example.com")
    made = await make_token(session)
    response = await _create(
        client,
        bearer(made),
        referrer_email="ADA@example.com",
        prospect=PROSPECT,
        external_id="006-1",
        deal_value=12000,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["source"] == "api"
    assert body["stage"] == "submitted"
    assert body["prospect"]["email"] == "grace@navylabs.example"
    assert body["external_id"] == "006-1"
    assert body["deal_value"] == 12000
    referral = await session.get(Referral, body["id"])
    assert referral is not None
    assert referral.source == Source.API
    assert (await points.balance_of(session, ada)).current == 50
    audit = await session.scalar(select(AuditEntry).where(AuditEntry.api_token_id == made.token.id))
    assert audit is not None
    assert audit.action == "api.referrals:write"


async def test_duplicates_self_referrals_and_bad_fields_are_refused_by_name(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session, email="ada@example.com")
    headers = bearer(await make_token(session))
    await make_referral(session, ada, email="grace@navylabs.example")
    duplicate = await _create(client, headers, referrer_id=ada.id, prospect=PROSPECT)
    assert duplicate.status_code == 409
    assert "already been referred" in duplicate.json()["detail"]
    own = await _create(
        client, headers, referrer_id=ada.id, prospect={**PROSPECT, "email": "ada@example.com"}
    )
    assert own.status_code == 409
    assert "can't be referred" in own.json()["detail"]
    bad = await _create(
        client, headers, referrer_id=ada.id, prospect={"name": "", "email": "not-an-email"}
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert {error["field"] for error in bad.json()["errors"]} == {
        "prospect.name",
        "prospect.email",
    }
    nobody = await _create(client, headers, referrer_email="who@example.com", prospect=PROSPECT)
    assert nobody.status_code == 422
    assert nobody.json()["errors"][0]["field"] == "referrer_email"
    listed = await client.get("/api/v1/referrals", headers=headers)
    assert [item["prospect"]["email"] for item in listed.json()["items"]] == [
        "grace@navylabs.example"
    ]


async def test_a_crm_moves_a_referral_by_its_id_through_its_own_stage_names_to_closed_won(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session)
    marketer = await make_marketer(session)
    for name, stage in (("Discovery", Stage.QUALIFIED), ("Closed Won", Stage.WON)):
        await referrals.add_stage_name(session, actor=marketer, name=name, stage=stage)
    referral = await make_referral(session, ada)
    await referrals.set_external_id(session, referral, external_id="0061x", actor=None)
    headers = bearer(await make_token(session))
    url = "/api/v1/referrals/by-external-id/0061x"
    moved = await client.patch(url, json={"stage": "discovery"}, headers=headers)
    assert moved.status_code == 200, moved.text
    assert moved.json()["stage"] == "qualified"
    won = await client.patch(
        url, json={"stage": "Closed  Won", "deal_value": 5000}, headers=headers
    )
    assert won.json()["stage"] == "won"
    assert won.json()["deal_value"] == 5000
    assert (await points.balance_of(session, ada)).current == 50 + 200 + 300 + 1000
    timeline = list(
        await session.scalars(
            select(ReferralEvent)
            .where(ReferralEvent.referral_id == referral.id)
            .order_by(ReferralEvent.id)
        )
    )
    assert [(event.to_stage, event.via, event.points) for event in timeline] == [
        (Stage.SUBMITTED, "portal", 50),
        (Stage.QUALIFIED, "crm", 200),
        (Stage.WON, "crm", 1300),
    ]
    unknown = await client.patch(url, json={"stage": "Negotiation"}, headers=headers)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "stage"
    lost = await client.patch(url, json={"stage": "lost"}, headers=headers)
    assert lost.status_code == 422
    assert lost.json()["errors"][0]["field"] == "reason"
    missing = await client.patch(
        "/api/v1/referrals/by-external-id/nope", json={"stage": "won"}, headers=headers
    )
    assert missing.status_code == 404


async def test_the_advocate_sees_the_crm_moves_on_the_timeline(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session)
    referral = await make_referral(session, ada)
    headers = bearer(await make_token(session))
    response = await client.patch(
        f"/api/v1/referrals/{referral.id}", json={"stage": "won"}, headers=headers
    )
    assert response.status_code == 200
    await login_as(client, ada)
    page = BeautifulSoup((await client.get(f"/referrals/{referral.id}")).text, "html.parser")
    assert "Won" in page.text
    assert "+1,500 points" in page.text


async def test_a_list_pages_with_a_cursor_and_filters(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session)
    made = [await make_referral(session, ada) for _ in range(3)]
    headers = bearer(await make_token(session))
    first = (await client.get("/api/v1/referrals?limit=2", headers=headers)).json()
    assert [item["id"] for item in first["items"]] == [made[0].id, made[1].id]
    rest = await client.get(
        f"/api/v1/referrals?limit=2&cursor={first['next_cursor']}", headers=headers
    )
    assert [item["id"] for item in rest.json()["items"]] == [made[2].id]
    assert rest.json()["next_cursor"] is None
    none_won = await client.get("/api/v1/referrals?stage=won", headers=headers)
    assert none_won.json()["items"] == []
    bad = await client.get("/api/v1/referrals?limit=0&stage=nowhere", headers=headers)
    assert bad.status_code == 422
    assert {error["field"] for error in bad.json()["errors"]} == {"query.limit", "query.stage"}


async def test_marketers_map_crm_stage_names_in_manage_referrals(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    added = await post_form(
        client, "/manage/referrals/crm-stages", {"crm_name": "Closed Won", "stage": "won"}
    )
    assert added.status_code == 303
    page = BeautifulSoup((await client.get("/manage/referrals/")).text, "html.parser")
    section = page.select_one("#crm-stages")
    assert section is not None
    assert "Closed Won" in section.text
    assert "Won" in section.text
    again = await post_form(
        client, "/manage/referrals/crm-stages", {"crm_name": "closed won", "stage": "lost"}
    )
    assert again.status_code == 422
    form = BeautifulSoup(again.text, "html.parser")
    assert "already mapped" in form.text
    typed = form.select_one("input[name=crm_name]")
    assert typed is not None
    assert typed["value"] == "closed won"
    assert await referrals.stage_named(session, "CLOSED WON") == Stage.WON
