"""Which domain events become which webhook events, and what their payloads say."""

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import events
from portal.points import service as points
from portal.referrals.service import importing
from portal.webhooks.catalogue import CATALOGUE
from portal.webhooks.models import WebhookDelivery, WebhookEndpoint
from portal.webhooks.service import endpoints
from tests.factories import make_admin, make_advocate, make_marketer


async def listening(session: AsyncSession, *event_types: str) -> WebhookEndpoint:
    return await endpoints.create_endpoint(
        session,
        actor=await make_admin(session),
        fields=endpoints.EndpointFields(
            url="http://127.0.0.1:9/hook",
            description="",
            event_types=list(event_types),
            enabled=True,
        ),
        allow_loopback=True,
    )


async def sent(session: AsyncSession, endpoint: WebhookEndpoint) -> list[dict[str, Any]]:
    bodies = await session.scalars(
        select(WebhookDelivery.payload)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.id)
    )
    return [json.loads(body) for body in bodies]


async def test_awards_and_positive_adjustments_are_points_awarded_once_per_ledger_row(
    session: AsyncSession,
) -> None:
    endpoint = await listening(session, "points.awarded")
    advocate, marketer = await make_advocate(session), await make_marketer(session)

    first = await points.award(session, advocate, points=40, reason="Review", key="review:1")
    await points.award(session, advocate, points=40, reason="Review", key="review:1")  # replay
    await points.spend(session, advocate, points=10, reason="Sticker", key="spend:1")
    await points.refund(session, advocate, points=10, reason="Sticker back", key="refund:1")
    await points.adjust(session, advocate, points=-5, reason="Typo", key="adj:1", actor=marketer)
    await points.adjust(session, advocate, points=7, reason="Bonus", key="adj:2", actor=marketer)

    messages = await sent(session, endpoint)
    assert [(m["type"], m["data"]["points"], m["data"]["reason"]) for m in messages] == [
        ("points.awarded", 40, "Review"),
        ("points.awarded", 7, "Bonus"),
    ]
    assert messages[0]["data"]["entry_id"] == first.id
    assert messages[0]["data"]["advocate"]["email"] == advocate.email


async def test_an_advocacy_event_recorded_is_sent_as_event_recorded(
    session: AsyncSession,
) -> None:
    endpoint = await listening(session, "event.recorded")
    advocate = await make_advocate(session)

    await events.publish(
        session,
        events.AdvocacyEventRecorded(
            recorded_id=12, user_id=advocate.id, event_type="g2_review_published", points=150
        ),
    )

    [message] = await sent(session, endpoint)
    assert message["type"] == "event.recorded"
    assert message["data"] == {
        "recorded_id": 12,
        "advocate": {"id": advocate.id, "email": advocate.email, "name": advocate.display_name},
        "event_type": "g2_review_published",
        "points": 150,
    }


async def test_a_joined_advocate_and_a_level_reached_are_sent(session: AsyncSession) -> None:
    endpoint = await listening(session, "advocate.joined", "advocate.level_reached")
    advocate = await make_advocate(session)

    await events.publish(session, events.AdvocateJoined(user_id=advocate.id))
    await points.award(session, advocate, points=600, reason="Big win", key="win:1")

    messages = await sent(session, endpoint)
    assert [m["type"] for m in messages] == ["advocate.joined", "advocate.level_reached"]
    assert messages[1]["data"]["level"]["name"] == "Advocate"  # the 500-point level


async def test_decisions_and_redemptions_are_named_by_their_status(session: AsyncSession) -> None:
    endpoint = await listening(session, *(event_type.name for event_type in CATALOGUE))
    advocate = await make_advocate(session)

    for status in ("approved", "rejected"):
        await events.publish(
            session,
            events.SubmissionDecided(
                submission_id=3, challenge_id=4, user_id=advocate.id, status=status
            ),
        )
    for status in ("requested", "fulfilled"):
        await events.publish(
            session,
            events.RedemptionChanged(
                redemption_id=5, reward_id=6, user_id=advocate.id, status=status
            ),
        )

    assert [m["type"] for m in await sent(session, endpoint)] == [
        "submission.approved",
        "submission.rejected",
        "redemption.requested",
        "redemption.status_changed",
    ]


async def test_an_imported_referral_is_created_with_its_crm_id_and_deal_value(
    session: AsyncSession,
) -> None:
    endpoint = await listening(session, "referral.created")
    advocate, admin = await make_advocate(session), await make_admin(session)
    table = importing.read_table(
        "Record ID,Contact,Email,Amount,Referred by\n"
        f"D-7,Ada Lovelace,ada@analytical.example,1200,{advocate.email}\n"
    )
    rows = await importing.check_rows(session, table, importing.guess_mapping(table.header))
    await importing.import_rows(session, rows, actor=admin, history=False, only_valid=False)

    [created] = await sent(session, endpoint)
    assert created["type"] == "referral.created"
    assert created["data"]["referral"]["external_id"] == "D-7"
    assert created["data"]["referral"]["deal_value"] == 1200
    assert created["data"]["referral"]["source"] == "import"
