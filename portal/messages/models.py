from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base


class Audience(StrEnum):
    EVERYONE = "everyone"
    GROUPS = "groups"
    PEOPLE = "people"  # an explicit list, e.g. a selection on the People table


class BroadcastStatus(StrEnum):
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    CANCELLED = "cancelled"


class Broadcast(Base):
    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    body_html: Mapped[str] = mapped_column(Text)  # cleaned by portal.sanitize
    audience: Mapped[Audience] = mapped_column(String(20))
    # Where chosen people came from, in words ("the saved view “EMEA”"), for its page.
    audience_note: Mapped[str] = mapped_column(String(200), default="", server_default="")
    status: Mapped[BroadcastStatus] = mapped_column(String(20), index=True)
    send_at: Mapped[datetime]
    time_zone: Mapped[str] = mapped_column(String(60), default="UTC")  # the author typed it in
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recipients: Mapped[int] = mapped_column(default=0)  # the audience counted when sending began
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class BroadcastGroup(Base):
    __tablename__ = "broadcast_groups"

    broadcast_id: Mapped[int] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )


class BroadcastPerson(Base):
    __tablename__ = "broadcast_people"

    broadcast_id: Mapped[int] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class Delivery(Base):
    """One broadcast delivered to one person. The unique pair is what makes a retried batch, or
    two workers on the same batch, reach each person once; the token names the row in the
    tracked links of their copy (no sign-in needed to follow a link from an email)."""

    __tablename__ = "broadcast_deliveries"
    __table_args__ = (UniqueConstraint("broadcast_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    emailed: Mapped[bool] = mapped_column(default=False)  # False: news emails switched off
    delivered_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_at: Mapped[datetime | None]
    clicked_at: Mapped[datetime | None]


class MessageTemplate(Base):
    """A starting point for a broadcast the program sends again and again."""

    __tablename__ = "message_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    subject: Mapped[str] = mapped_column(String(200))
    body_html: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
