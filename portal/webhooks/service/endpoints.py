"""Endpoints: what admins register (an address, the event types it wants, a description), its
signing secret (shown on demand, rotated with a 24-hour overlap) and a test event."""

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit import service as audit
from portal.clock import utcnow
from portal.errors import NotFound, PortalError
from portal.i18n import gettext
from portal.people.models import User
from portal.webhooks.catalogue import NAMES
from portal.webhooks.models import WebhookEndpoint
from portal.webhooks.outbound import RefusedAddress, resolve

ROTATION_OVERLAP = timedelta(hours=24)


class UnsafeUrl(PortalError):
    """The address can't receive webhooks; the message says why."""

    status_code = 422


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


@dataclass(frozen=True)
class EndpointFields:
    url: str
    description: str
    event_types: list[str]
    enabled: bool


async def _check(fields: EndpointFields, *, allow_loopback: bool) -> None:
    unknown = set(fields.event_types) - NAMES
    if unknown:
        raise PortalError(
            gettext("Unknown event types: %(types)s.") % {"types": ", ".join(sorted(unknown))}
        )
    try:
        await resolve(fields.url, allow_loopback=allow_loopback)
    except RefusedAddress as refusal:
        raise UnsafeUrl(str(refusal)) from refusal


def _ordered(event_types: list[str]) -> str:
    return " ".join(sorted(set(event_types)))


async def create_endpoint(
    session: AsyncSession, *, actor: User, fields: EndpointFields, allow_loopback: bool
) -> WebhookEndpoint:
    await _check(fields, allow_loopback=allow_loopback)
    endpoint = WebhookEndpoint(
        url=fields.url,
        description=fields.description,
        event_types=_ordered(fields.event_types),
        enabled=fields.enabled,
        secret=new_secret(),
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    session.add(endpoint)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="webhook.created",
        target_type="webhook_endpoint",
        target_id=endpoint.id,
        summary=f"Webhook endpoint {endpoint.url}",
        after=_snapshot(endpoint),
    )
    return endpoint


async def update_endpoint(
    session: AsyncSession,
    endpoint: WebhookEndpoint,
    *,
    actor: User,
    fields: EndpointFields,
    allow_loopback: bool,
) -> None:
    await _check(fields, allow_loopback=allow_loopback)
    before = _snapshot(endpoint)
    endpoint.url = fields.url
    endpoint.description = fields.description
    endpoint.event_types = _ordered(fields.event_types)
    endpoint.enabled = fields.enabled
    endpoint.updated_at = utcnow()
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="webhook.updated",
        target_type="webhook_endpoint",
        target_id=endpoint.id,
        summary=f"Webhook endpoint {endpoint.url}",
        before=before,
        after=_snapshot(endpoint),
    )


async def rotate_secret(session: AsyncSession, endpoint: WebhookEndpoint, *, actor: User) -> None:
    """A new secret; the old one keeps signing (beside it) for 24 hours."""
    now = utcnow()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + ROTATION_OVERLAP
    endpoint.secret = new_secret()
    endpoint.updated_at = now
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="webhook.secret_rotated",
        target_type="webhook_endpoint",
        target_id=endpoint.id,
        summary=f"New signing secret for {endpoint.url}; the old one signs until "
        f"{endpoint.previous_secret_expires_at:%Y-%m-%d %H:%M} UTC",
    )


async def reveal_secret(session: AsyncSession, endpoint: WebhookEndpoint, *, actor: User) -> str:
    """The secret, for an admin who confirmed it's them; the audit log says who looked."""
    await audit.record(
        session,
        actor=actor,
        action="webhook.secret_shown",
        target_type="webhook_endpoint",
        target_id=endpoint.id,
        summary=f"Signing secret of {endpoint.url} shown",
    )
    return endpoint.secret


def overlap_until(endpoint: WebhookEndpoint) -> datetime | None:
    """Until when the previous secret still signs, if it does."""
    expires = endpoint.previous_secret_expires_at
    return expires if endpoint.previous_secret and expires and expires > utcnow() else None


def _snapshot(endpoint: WebhookEndpoint) -> dict[str, object]:
    return {
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": endpoint.subscribed,
        "enabled": endpoint.enabled,
    }


async def get_endpoint(session: AsyncSession, endpoint_id: int) -> WebhookEndpoint:
    endpoint = await session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound()
    return endpoint


async def list_endpoints(session: AsyncSession) -> list[WebhookEndpoint]:
    return list(await session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


async def signing_secrets(session: AsyncSession) -> list[str]:
    """Every secret that signs now, for a local receiver (`portal webhook-receiver`)."""
    found: list[str] = []
    for endpoint in await list_endpoints(session):
        found.append(endpoint.secret)
        if overlap_until(endpoint) is not None and endpoint.previous_secret:
            found.append(endpoint.previous_secret)
    return found
