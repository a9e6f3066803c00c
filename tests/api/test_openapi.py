"""The OpenAPI document is made from the models that validate the requests, and the reference
page is rendered from it on our own origin with the Content-Security-Policy intact."""

import httpx
from bs4 import BeautifulSoup

from portal.api.events import EventIn
from portal.api.openapi import REF
from portal.api.schemas import ReferralCreate


async def test_the_document_is_openapi_3_1_and_publishes_the_validating_models(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"] == "3.1.0"
    schemas = document["components"]["schemas"]
    for model in (ReferralCreate, EventIn):
        published = model.model_json_schema(ref_template=REF)
        published.pop("$defs", None)
        assert schemas[model.__name__] == published
    patch = document["paths"]["/referrals/by-external-id/{external_id}"]["patch"]
    assert patch["security"] == [{"token": ["referrals:write"]}]
    assert set(patch["responses"]) == {"200", "401", "403", "404", "409", "413", "422", "429"}
    assert patch["responses"]["422"]["content"]["application/problem+json"]
    events = document["paths"]["/events"]["post"]
    assert {"name": "Idempotency-Key", "in": "header"}.items() <= events["parameters"][0].items()


async def test_the_reference_page_lists_every_operation_without_a_script(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/v1/docs")
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page = BeautifulSoup(response.text, "html.parser")
    headings = {h2.get_text(" ", strip=True) for h2 in page.select(".api-operation h2")}
    assert "PATCH /api/v1/referrals/by-external-id/{external_id}" in headings
    assert "POST /api/v1/events/bulk" in headings
    assert not [script for script in page.select("script") if not script.get("src")]
    assert page.select_one("#schema-ReferralCreate") is not None
