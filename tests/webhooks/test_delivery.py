"""Webhook deliveries to real receivers on loopback ports, on both engines: signed per the
Standard Webhooks spec, retried while the receiver is down, each event once and in order."""

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from standardwebhooks.webhooks import Webhook

from portal import clock
from portal.config import Settings
from portal.jobs import ArqQueue, take_pending
from portal.notifications.models import Notification
from portal.outbox.models import OutboxEmail
from portal.people.models import User
from portal.referrals import service as referrals
from portal.referrals.models import Referral, Stage
from portal.webhooks import jobs
from portal.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from portal.webhooks.receiver import Receiver
from portal.webhooks.service import deliveries, endpoints
from tests.conftest import free_port
from tests.factories import make_admin, make_advocate, make_referral, make_sales
from tests.jobs import run_burst_worker
from tests.webhooks.receivers import job_context, serving

REFERRAL_EVENTS = ["referral.created", "referral.stage_changed"]


async def add_endpoint(
    session: AsyncSession, admin: User, port: int, event_types: list[str]
) -> WebhookEndpoint:
    return await endpoints.create_endpoint(
        session,
        actor=admin,
        fields=endpoints.EndpointFields(
            url=f"http://127.0.0.1:{port}/webhooks",
            description="CRM",
            event_types=event_types,
            enabled=True,
        ),
        allow_loopback=True,
    )


async def move(session: AsyncSession, referral: Referral, to: Stage, actor: User) -> None:
    loaded = await referrals.access_referral(session, referral.id)
    await referrals.move_referral(session, loaded, to=to, actor=actor)


async def deliveries_of(session: AsyncSession, endpoint: WebhookEndpoint) -> list[WebhookDelivery]:
    """As the jobs' sessions left them."""
    await session.refresh(endpoint)
    return list(
        await session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookDelivery.id)
            .execution_options(populate_existing=True)
        )
    )


def referral_story(received: list[Any], referral_id: int) -> list[str]:
    return [
        f"{r.event_type}:{r.payload['data'].get('to_stage', '')}"
        for r in received
        if r.payload["data"].get("referral", {}).get("id") == referral_id
    ]


async def test_deliveries_are_signed_and_verified_by_the_standard_webhooks_library(
    session: AsyncSession, connection: AsyncConnection, settings: Settings
) -> None:
    admin, advocate = await make_admin(session), await make_advocate(session)
    rep = await make_sales(session)
    port = free_port()
    endpoint = await add_endpoint(session, admin, port, [*REFERRAL_EVENTS, "points.awarded"])
    referral = await make_referral(session, advocate, name="Charles Babbage")
    await move(session, referral, Stage.QUALIFIED, rep)
    await session.commit()
    receiver = Receiver([endpoint.secret])

    async with serving(receiver.app(), port):
        delivered = await jobs.deliver_webhooks(job_context(settings, connection), endpoint.id)
        again = await jobs.deliver_due_webhooks(job_context(settings, connection))

    assert (delivered, again) == (4, 0)
    assert [r.event_type for r in receiver.received] == [
        "points.awarded",
        "referral.created",
        "points.awarded",
        "referral.stage_changed",
    ]
    for message in receiver.received:
        payload = Webhook(endpoint.secret).verify(message.body, message.headers)
        assert payload["version"] == "2026-12-01"
    moved = receiver.received[3].payload["data"]
    assert (moved["referral"]["id"], moved["from_stage"], moved["to_stage"]) == (
        referral.id,
        "submitted",
        "qualified",
    )
    assert moved["referral"]["prospect"]["name"] == "Charles Babbage"
    assert receiver.received[2].payload["data"]["points"] == 200  # qualified pays 200
    rows = await deliveries_of(session, endpoint)
    assert {(row.status, row.attempts, row.last_status_code) for row in rows} == {
        (DeliveryStatus.DELIVERED, 1, 204)
    }


async def test_a_receiver_down_for_a_while_gets_every_event_once_in_order_per_referral(
    session: AsyncSession, connection: AsyncConnection, settings: Settings
) -> None:
    admin, advocate = await make_admin(session), await make_advocate(session)
    rep = await make_sales(session)
    port = free_port()  # nothing listens there yet
    endpoint = await add_endpoint(session, admin, port, REFERRAL_EVENTS)
    first = await make_referral(session, advocate)
    second = await make_referral(session, advocate)
    await move(session, first, Stage.CONTACTED, rep)
    await move(session, second, Stage.CONTACTED, rep)
    await move(session, first, Stage.QUALIFIED, rep)
    await session.commit()
    first_id, second_id = first.id, second.id
    context = job_context(settings, connection)

    assert await jobs.deliver_webhooks(context, endpoint.id) == 0
    waiting = await deliveries_of(session, endpoint)
    assert [(row.attempts, row.status) for row in waiting[:2]] == [
        (1, DeliveryStatus.PENDING),
        (0, DeliveryStatus.PENDING),
    ]
    assert "ConnectError" in waiting[0].last_error
    with clock.shifted(timedelta(hours=2)):
        assert await jobs.deliver_due_webhooks(context) == 0  # still down

    receiver = Receiver([endpoint.secret])
    async with serving(receiver.app(), port):
        with clock.shifted(timedelta(hours=3)):
            assert await jobs.deliver_due_webhooks(context) == 5
            assert await jobs.deliver_due_webhooks(context) == 0

    ids = [r.message_id for r in receiver.received]
    assert len(ids) == len(set(ids)) == 5
    assert referral_story(receiver.received, first_id) == [
        "referral.created:",
        "referral.stage_changed:contacted",
        "referral.stage_changed:qualified",
    ]
    assert referral_story(receiver.received, second_id) == [
        "referral.created:",
        "referral.stage_changed:contacted",
    ]
    assert all(
        row.status == DeliveryStatus.DELIVERED for row in await deliveries_of(session, endpoint)
    )


async def test_after_three_days_of_failures_the_endpoint_is_failing_and_admins_are_told(
    session: AsyncSession, connection: AsyncConnection, settings: Settings
) -> None:
    admin, advocate = await make_admin(session), await make_advocate(session)
    endpoint = await add_endpoint(session, admin, free_port(), ["referral.created"])
    await make_referral(session, advocate)
    await session.commit()
    context = job_context(settings, connection)

    await jobs.deliver_webhooks(context, endpoint.id)
    with clock.shifted(timedelta(days=2)):
        await jobs.deliver_due_webhooks(context)
    [delivery] = await deliveries_of(session, endpoint)
    assert delivery.status == DeliveryStatus.PENDING
    assert endpoint.failing_since is None
    with clock.shifted(timedelta(days=3, minutes=1)):
        await jobs.deliver_due_webhooks(context)

    [delivery] = await deliveries_of(session, endpoint)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 3)
    assert endpoint.failing_since is not None
    told = await session.scalars(
        select(Notification.title).where(
            Notification.user_id == admin.id, Notification.kind == "webhook_failing"
        )
    )
    assert list(told) == [f"Webhooks to {endpoint.url} are failing"]
    assert await session.scalar(
        select(OutboxEmail.id).where(
            OutboxEmail.to_address == admin.email, OutboxEmail.kind == "webhook_failing"
        )
    )


async def test_after_a_rotation_old_and_new_secrets_both_sign_for_24_hours(
    session: AsyncSession, connection: AsyncConnection, settings: Settings
) -> None:
    admin = await make_admin(session)
    port = free_port()
    endpoint = await add_endpoint(session, admin, port, ["referral.created"])
    old = endpoint.secret
    await endpoints.rotate_secret(session, endpoint, actor=admin)
    new = endpoint.secret
    await deliveries.record_test_event(session, endpoint)
    await session.commit()
    still_on_old = Receiver([old])
    context = job_context(settings, connection)

    async with serving(still_on_old.app(), port):
        assert await jobs.deliver_webhooks(context, endpoint.id) == 1
        [message] = still_on_old.received
        assert Webhook(old).verify(message.body, message.headers)
        assert Webhook(new).verify(message.body, message.headers)
        with clock.shifted(timedelta(hours=25)):
            await deliveries.record_test_event(session, endpoint)
            await session.commit()
            assert await jobs.deliver_webhooks(context, endpoint.id) == 0

    assert new != old
    late = (await deliveries_of(session, endpoint))[-1]
    assert (late.status, late.last_status_code) == (DeliveryStatus.PENDING, 400)
    assert late.last_response == "signature does not match"


async def test_manual_redelivery_sends_the_same_message_again(
    session: AsyncSession, connection: AsyncConnection, settings: Settings
) -> None:
    admin = await make_admin(session)
    port = free_port()
    endpoint = await add_endpoint(session, admin, port, ["referral.created"])
    test_event = await deliveries.record_test_event(session, endpoint)
    await session.commit()
    receiver = Receiver([endpoint.secret])
    context = job_context(settings, connection)

    async with serving(receiver.app(), port):
        await jobs.deliver_webhooks(context, endpoint.id)
        [sent] = await deliveries_of(session, endpoint)
        assert sent.status == DeliveryStatus.DELIVERED
        await deliveries.redeliver(session, endpoint, test_event.id)
        await session.commit()
        await jobs.deliver_webhooks(context, endpoint.id)

    assert [r.message_id for r in receiver.received] == [test_event.message_id] * 2
    [row] = await deliveries_of(session, endpoint)
    assert (row.status, row.attempts) == (DeliveryStatus.DELIVERED, 2)


@pytest.mark.parametrize("enabled", [True, False])
async def test_only_enabled_endpoints_subscribed_to_the_event_get_a_delivery(
    session: AsyncSession, enabled: bool
) -> None:
    admin, advocate = await make_admin(session), await make_advocate(session)
    wants = await add_endpoint(session, admin, 9, ["referral.created"])
    other = await add_endpoint(session, admin, 9, ["submission.approved"])
    wants.enabled = enabled
    await make_referral(session, advocate)
    assert len(await deliveries_of(session, wants)) == (1 if enabled else 0)
    assert await deliveries_of(session, other) == []


async def test_the_delivery_job_leaves_after_the_commit_and_an_arq_worker_sends_it(
    session: AsyncSession,
    connection: AsyncConnection,
    settings: Settings,
    arq_redis: Any,
    queue_name: str,
) -> None:
    admin, advocate = await make_admin(session), await make_advocate(session)
    port = free_port()
    endpoint = await add_endpoint(session, admin, port, ["referral.created"])
    referral = await make_referral(session, advocate)
    await session.commit()
    queued = take_pending(session)
    assert [(job.name, job.kwargs) for job in queued if job.name == "deliver_webhooks"] == [
        ("deliver_webhooks", {"endpoint_id": endpoint.id})
    ]
    queue = ArqQueue(arq_redis, queue_name=queue_name)
    await queue.send(queued)
    receiver = Receiver([endpoint.secret])
    context = job_context(settings, connection)
    context["job_queue"] = queue

    async with serving(receiver.app(), port):
        burst = await run_burst_worker(arq_redis, context, queue_name=queue_name)

    assert burst.jobs_failed == 0
    [message] = receiver.received
    assert message.payload["data"]["referral"]["id"] == referral.id
