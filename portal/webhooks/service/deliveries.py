"""Deliveries: written in the transaction of the change they tell about (so nothing is said of a
change that rolled back, and nothing is lost when a job is), sent by jobs after the commit.

Per endpoint, deliveries go out oldest first; those sharing an ordering key (one referral's
events) wait for the one before them, so a receiver that was down gets them in order. A failed
attempt is retried with exponential backoff for `RETRY_FOR`; then the delivery fails for good,
the endpoint is marked failing and admins are told."""

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks.webhooks import Webhook

from portal.clock import utcnow
from portal.errors import NotFound
from portal.i18n import gettext
from portal.jobs import PendingJob, enqueue
from portal.notifications import service as notifications
from portal.pagination import Page
from portal.people.models import Role, User, UserRole, UserStatus
from portal.webhooks.catalogue import PAYLOAD_VERSION, TEST_EVENT
from portal.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from portal.webhooks.outbound import Outcome

RETRY_FOR = timedelta(days=3)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=6)
LEASE = timedelta(minutes=2)  # a claimed delivery is left alone this long (timeouts are 10 s)
DELIVER_JOB = "deliver_webhooks"


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min … doubling after each failed attempt, at most 6 hours."""
    doubled: timedelta = FIRST_RETRY * 2 ** min(attempts - 1, 20)
    return min(doubled, LONGEST_WAIT)


def _queue_delivery(session: AsyncSession, endpoint_id: int) -> None:
    """One delivery job per endpoint and transaction, however many events it raised."""
    wanted = PendingJob(DELIVER_JOB, {"endpoint_id": endpoint_id})
    if wanted not in session.info.get("jobs", []):
        enqueue(session, DELIVER_JOB, endpoint_id=endpoint_id)


def _message(event_type: str, data: dict[str, Any], moment: datetime) -> str:
    return json.dumps(
        {
            "type": event_type,
            "timestamp": moment.isoformat(),
            "version": PAYLOAD_VERSION,
            "data": data,
        },
        separators=(",", ":"),
        default=str,
    )


def _new_delivery(
    endpoint: WebhookEndpoint, event_type: str, payload: str, ordering_key: str | None
) -> WebhookDelivery:
    now = utcnow()
    return WebhookDelivery(
        endpoint_id=endpoint.id,
        event_type=event_type,
        message_id="msg_" + secrets.token_urlsafe(24),
        payload=payload,
        ordering_key=ordering_key,
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        retry_until=now + RETRY_FOR,
        last_response="",
        last_error="",
        created_at=now,
    )


async def record_event(
    session: AsyncSession, event_type: str, data: dict[str, Any], *, ordering_key: str | None
) -> list[WebhookDelivery]:
    """A delivery for every enabled endpoint subscribed to `event_type`."""
    endpoints = [
        endpoint
        for endpoint in await session.scalars(
            select(WebhookEndpoint).where(WebhookEndpoint.enabled.is_(True))
        )
        if event_type in endpoint.subscribed
    ]
    if not endpoints:
        return []
    payload = _message(event_type, data, utcnow())
    deliveries = [_new_delivery(e, event_type, payload, ordering_key) for e in endpoints]
    session.add_all(deliveries)
    await session.flush()
    for endpoint in endpoints:
        _queue_delivery(session, endpoint.id)
    return deliveries


async def record_test_event(session: AsyncSession, endpoint: WebhookEndpoint) -> WebhookDelivery:
    payload = _message(TEST_EVENT, {"endpoint_id": endpoint.id, "url": endpoint.url}, utcnow())
    delivery = _new_delivery(endpoint, TEST_EVENT, payload, None)
    session.add(delivery)
    await session.flush()
    _queue_delivery(session, endpoint.id)
    return delivery


def signature(endpoint: WebhookEndpoint, message_id: str, moment: datetime, body: str) -> str:
    """`v1,…` with the current secret, and with the previous one while it still signs."""
    signing = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > moment:
        signing.append(endpoint.previous_secret)
    return " ".join(Webhook(secret).sign(message_id, moment, body) for secret in signing)


@dataclass(frozen=True)
class Claim:
    """A delivery taken for one attempt: what to send, signed at the moment of sending."""

    delivery_id: int
    ordering_key: str
    url: str
    body: bytes
    headers: dict[str, str]


async def claim_next(
    session: AsyncSession, endpoint_id: int, *, held_back: frozenset[str] = frozenset()
) -> Claim | None:
    """The oldest due delivery of an enabled endpoint that no earlier one of its ordering key
    waits before (nor a key in `held_back`), leased to the caller; None when there is none."""
    endpoint = await session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or not endpoint.enabled:
        return None
    now = utcnow()
    rows = await session.execute(
        select(WebhookDelivery.id, WebhookDelivery.ordering_key, WebhookDelivery.next_attempt_at)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.status == DeliveryStatus.PENDING,
        )
        .order_by(WebhookDelivery.id)
        .limit(1000)
    )
    waiting = set(held_back)
    for delivery_id, key, due in rows.all():
        key = key or f"delivery:{delivery_id}"
        if key in waiting:
            continue
        waiting.add(key)  # later ones of this key wait for this one
        if due is not None and due > now:
            continue
        taken = await session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.status == DeliveryStatus.PENDING,
                WebhookDelivery.next_attempt_at <= now,
            )
            .values(next_attempt_at=now + LEASE)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another worker took it
        delivery = await session.get(WebhookDelivery, delivery_id)
        assert delivery is not None  # noqa: S101 (just updated in this transaction)
        headers = {
            "content-type": "application/json",
            "user-agent": "AdvocatePortal-Webhooks/1",
            "webhook-id": delivery.message_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signature(endpoint, delivery.message_id, now, delivery.payload),
        }
        return Claim(delivery_id, key, endpoint.url, delivery.payload.encode(), headers)
    return None


async def record_attempt(session: AsyncSession, delivery_id: int, outcome: Outcome) -> None:
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return
    endpoint = await session.get(WebhookEndpoint, delivery.endpoint_id)
    assert endpoint is not None  # noqa: S101 (deliveries go with their endpoint)
    now = utcnow()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = outcome.status_code
    delivery.last_response = outcome.response
    delivery.last_duration_ms = outcome.duration_ms
    delivery.last_error = outcome.error[:300]
    if outcome.ok:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        endpoint.failing_since = None
    elif now >= delivery.retry_until:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
        if endpoint.failing_since is None:
            endpoint.failing_since = now
            await _tell_admins(session, endpoint)
    else:
        delivery.next_attempt_at = min(now + retry_delay(delivery.attempts), delivery.retry_until)
    await session.flush()


async def _tell_admins(session: AsyncSession, endpoint: WebhookEndpoint) -> None:
    admins = await session.scalars(
        select(User).where(
            User.status == UserStatus.ACTIVE, User.roles.any(UserRole.role == Role.ADMIN)
        )
    )
    for admin in admins:
        async with notifications.in_language_of(session, admin):
            title = gettext("Webhooks to %(url)s are failing") % {"url": endpoint.url[:120]}
            body = gettext("A delivery was retried for %(days)s days without success.") % {
                "days": RETRY_FOR.days
            }
        await notifications.tell(
            session,
            admin,
            kind="webhook_failing",
            title=title,
            body=body,
            route="webhooks:detail",
            params={"endpoint_id": endpoint.id},
            category=None,
            email_context={"url": endpoint.url, "days": RETRY_FOR.days},
        )


async def due_endpoint_ids(session: AsyncSession) -> list[int]:
    rows = await session.scalars(
        select(WebhookDelivery.endpoint_id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookEndpoint.enabled.is_(True),
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= utcnow(),
        )
        .distinct()
    )
    return sorted(rows)


async def redeliver(
    session: AsyncSession, endpoint: WebhookEndpoint, delivery_id: int
) -> WebhookDelivery:
    """Sends a delivered or failed message again, once, with its original webhook-id (so a
    receiver that keeps ids sees it is the same event); a pending one is left to its turn."""
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        raise NotFound()
    if delivery.status == DeliveryStatus.PENDING:
        return delivery
    now = utcnow()
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = now
    delivery.retry_until = now
    await session.flush()
    _queue_delivery(session, endpoint.id)
    return delivery


async def list_deliveries(
    session: AsyncSession, endpoint: WebhookEndpoint, *, page: int = 1, per_page: int = 25
) -> Page[WebhookDelivery]:
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.scalars(
        query.order_by(WebhookDelivery.id.desc()).offset((page - 1) * per_page).limit(per_page)
    )
    return Page(items=list(rows), page=page, per_page=per_page, total=total)
