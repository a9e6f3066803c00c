from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.db import Base


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its first attempt or its next retry
    DELIVERED = "delivered"  # the receiver answered 2xx
    FAILED = "failed"  # retried for the whole retry period without a 2xx

    @property
    def label(self) -> str:
        return self.value.capitalize()


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(String(200), default="")
    event_types: Mapped[str] = mapped_column(String(500))  # catalogue names, space-separated
    enabled: Mapped[bool] = mapped_column(default=True)
    # Kept readable: signing needs the secret itself (Standard Webhooks' HMAC), not a hash.
    secret: Mapped[str] = mapped_column(String(100))
    # After a rotation the old secret signs too until it expires, so receivers can switch over.
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[datetime | None]
    # Set when a delivery gave up after the whole retry period; cleared by the next success.
    failing_since: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def subscribed(self) -> list[str]:
        return self.event_types.split()


class WebhookDelivery(Base):
    """One event for one endpoint: the signed message (its body is fixed when the event
    happens), where its delivery stands, and what the last attempt got back."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_endpoint_id_status", "endpoint_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(50))
    message_id: Mapped[str] = mapped_column(String(40), unique=True)  # the webhook-id header
    payload: Mapped[str] = mapped_column(Text)
    # Deliveries with the same key (one referral's events) reach the receiver in order.
    ordering_key: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[DeliveryStatus] = mapped_column(String(10), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]  # set while pending
    retry_until: Mapped[datetime]  # a failed attempt after this gives up
    last_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_response: Mapped[str] = mapped_column(String(200), default="")  # its first bytes
    last_duration_ms: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]

    endpoint: Mapped[WebhookEndpoint] = relationship(lazy="raise")
