"""The demo's webhook endpoint: the local receiver `portal webhook-receiver` runs (port 8765),
added after the replayed history so only what a newcomer does from now on is sent, and greeted
with a test event that waits in the log until the receiver is started."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.people.models import User
from portal.webhooks.catalogue import CATALOGUE
from portal.webhooks.models import WebhookEndpoint
from portal.webhooks.service import deliveries, endpoints

RECEIVER_URL = "http://127.0.0.1:8765/webhooks"


async def seed(session: AsyncSession, users: dict[str, User]) -> None:
    if await session.scalar(select(WebhookEndpoint.id).where(WebhookEndpoint.url == RECEIVER_URL)):
        return
    endpoint = await endpoints.create_endpoint(
        session,
        actor=users["admin@acme.example"],
        fields=endpoints.EndpointFields(
            url=RECEIVER_URL,
            description="Local receiver: run `portal webhook-receiver` to watch deliveries",
            event_types=[event_type.name for event_type in CATALOGUE],
            enabled=True,
        ),
        allow_loopback=True,
    )
    await deliveries.record_test_event(session, endpoint)
