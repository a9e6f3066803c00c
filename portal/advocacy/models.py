from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.db import Base

if TYPE_CHECKING:
    from portal.challenges.models import Challenge


class EventType(Base):
    __tablename__ = "advocacy_event_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)  # g2_review_published
    name: Mapped[str] = mapped_column(String(120))
    points: Mapped[int] = mapped_column(default=0)
    challenge_id: Mapped[int | None] = mapped_column(
        ForeignKey("challenges.id", ondelete="SET NULL")
    )
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    challenge: Mapped["Challenge | None"] = relationship(lazy="raise")


class RecordedEvent(Base):
    """One reported act of advocacy. The idempotency key is unique: a repeat (also two at once)
    finds the first row and answers with it."""

    __tablename__ = "advocacy_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_type_id: Mapped[int] = mapped_column(
        ForeignKey("advocacy_event_types.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    points: Mapped[int] = mapped_column(default=0)
    completed_challenge_id: Mapped[int | None] = mapped_column(
        ForeignKey("challenges.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    event_type: Mapped[EventType] = relationship(lazy="raise")
