"""The events API: event types defined in Manage → Event types; each event pays once per
Idempotency-Key (also two at once), can complete a challenge, and publishes
AdvocacyEventRecorded; the bulk form answers per event."""

import asyncio
from typing import Any

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from portal import events
from portal.advocacy import service as advocacy
from portal.advocacy.models import RecordedEvent
from portal.app import create_app
from portal.challenges.models import Submission
from portal.config import Settings
from portal.db import create_sessionmaker
from portal.points import service as points
from tests.api.tokens import bearer, make_token
from tests.factories import (
    login_as,
    make_admin,
    make_advocate,
    make_challenge,
    make_marketer,
    post_form,
)
from tests.test_events import raised


async def test_an_event_pays_once_per_key_and_completes_its_challenge(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    challenge = await make_challenge(session, title="Review us on G2", points=50)
    await advocacy.create_event_type(
        session,
        actor=marketer,
        key="g2_review_published",
        name="Published a review on G2",
        points=150,
        challenge_id=challenge.id,
    )
    ada = await make_advocate(session, email="ada@example.com")
    headers = {**bearer(await make_token(session)), "Idempotency-Key": "g2-123"}
    body = {"email": "ada@example.com", "type": "g2_review_published"}
    with raised(events.AdvocacyEventRecorded) as heard:
        first = await client.post("/api/v1/events", json=body, headers=headers)
        again = await client.post("/api/v1/events", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["points"] == 150
    assert first.json()["completed_challenge_id"] == challenge.id
    assert first.json()["replayed"] is False
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["replayed"] is True
    assert (await points.balance_of(session, ada)).current == 150 + 50  # the event, the challenge
    entries = await session.scalar(
        select(func.count()).select_from(Submission).where(Submission.user_id == ada.id)
    )
    assert entries == 1
    assert [(e.user_id, e.event_type, e.points) for e in heard] == [
        (ada.id, "g2_review_published", 150)
    ]


async def test_unknown_types_people_and_missing_keys_are_named(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await advocacy.create_event_type(
        session,
        actor=await make_marketer(session),
        key="webinar_attended",
        name="Webinar",
        points=25,
        challenge_id=None,
    )
    ada = await make_advocate(session)
    token = bearer(await make_token(session))
    missing_key = await client.post(
        "/api/v1/events", json={"user_id": ada.id, "type": "webinar_attended"}, headers=token
    )
    assert missing_key.status_code == 422
    assert missing_key.json()["errors"][0]["field"] == "header.Idempotency-Key"
    headers = {**token, "Idempotency-Key": "k1"}
    unknown = await client.post(
        "/api/v1/events", json={"user_id": ada.id, "type": "podcast"}, headers=headers
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "type"
    nobody = await client.post(
        "/api/v1/events",
        json={"email": "who@example.com", "type": "webinar_attended"},
        headers=headers,
    )
    assert nobody.status_code == 404
    assert await session.scalar(select(func.count()).select_from(RecordedEvent)) == 0


async def test_bulk_answers_each_event_and_keeps_the_good_ones(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await advocacy.create_event_type(
        session,
        actor=await make_marketer(session),
        key="webinar_attended",
        name="Webinar",
        points=25,
        challenge_id=None,
    )
    ada = await make_advocate(session)
    items: list[dict[str, Any]] = [
        {"user_id": ada.id, "type": "webinar_attended", "idempotency_key": f"w{n}"}
        for n in range(3)
    ]
    items.append({"user_id": ada.id, "type": "nope", "idempotency_key": "bad"})
    items.append({"user_id": ada.id, "type": "webinar_attended", "idempotency_key": "w0"})
    response = await client.post(
        "/api/v1/events/bulk", json={"events": items}, headers=bearer(await make_token(session))
    )
    assert response.status_code == 200
    assert [result["status"] for result in response.json()["results"]] == [201, 201, 201, 422, 200]
    assert response.json()["results"][3]["errors"][0]["field"] == "type"
    assert (await points.balance_of(session, ada)).current == 75
    too_many = await client.post(
        "/api/v1/events/bulk",
        json={"events": [items[0]] * 1001},
        headers=bearer(await make_token(session)),
    )
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "events"


async def test_two_requests_with_the_same_key_at_once_record_one_event(
    committed_engine: AsyncEngine, settings: Settings
) -> None:
    sessionmaker = create_sessionmaker(committed_engine)
    async with sessionmaker() as session:
        admin = await make_admin(session)
        await advocacy.create_event_type(
            session,
            actor=admin,
            key="case_study_signed",
            name="Case study",
            points=500,
            challenge_id=None,
        )
        ada = await make_advocate(session)
        made = await make_token(session, admin=admin)
        await session.commit()
    app = create_app(settings, sessionmaker=sessionmaker)
    headers = {**bearer(made), "Idempotency-Key": f"race-{ada.id}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://portal.test"
    ) as client:
        responses = await asyncio.gather(
            *(
                client.post(
                    "/api/v1/events",
                    json={"user_id": ada.id, "type": "case_study_signed"},
                    headers=headers,
                )
                for _ in range(2)
            )
        )
    assert sorted(response.status_code for response in responses) == [200, 201]
    assert len({response.json()["id"] for response in responses}) == 1
    async with sessionmaker() as session:
        assert (await points.balance_of(session, ada)).current == 500
        recorded = await session.scalar(
            select(func.count()).select_from(RecordedEvent).where(RecordedEvent.user_id == ada.id)
        )
        assert recorded == 1


async def test_marketers_define_event_types_in_manage(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    created = await post_form(
        client,
        "/manage/event-types/",
        {"key": "g2_review_published", "name": "G2 review", "points": "100", "challenge_id": ""},
    )
    assert created.status_code == 303
    page = BeautifulSoup((await client.get("/manage/event-types/")).text, "html.parser")
    assert "g2_review_published" in page.text
    bad = await post_form(
        client,
        "/manage/event-types/",
        {"key": "G2 Review", "name": "Again", "points": "-1", "challenge_id": ""},
    )
    assert bad.status_code == 422
    form = BeautifulSoup(bad.text, "html.parser")
    assert "lower-case letters" in form.text
    assert "whole number from 0" in form.text
    name = form.select_one("input[name=name]")
    assert name is not None
    assert name["value"] == "Again"
