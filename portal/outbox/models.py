from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base
from portal.i18n import N_, gettext
from portal.translations import Translatable, translated


class EmailStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxEmail(Base):
    __tablename__ = "email_outbox"
    __table_args__ = (Index("ix_email_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Text files sent along (an event's .ics): [{"filename", "content_type", "text"}].
    attachments: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(60))
    status: Mapped[EmailStatus] = mapped_column(String(20), default=EmailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class EmailCategory(StrEnum):
    """What a person can switch off. Transactional mail (invitations, resets, sign-up answers,
    reward codes) has no category and always goes out."""

    CHALLENGES = "challenges"
    REFERRALS = "referrals"
    REWARDS = "rewards"
    DIGESTS = "digests"
    REMINDERS = "reminders"
    PROGRAM_SUMMARY = "program_summary"  # staff who subscribe on Manage → Reports
    NEWS = "news"
    COMMUNITY = "community"

    @property
    def label(self) -> str:
        return gettext(CATEGORY_LABELS[self.value])


CATEGORY_LABELS = {
    "challenges": N_("Challenges and news"),
    "referrals": N_("Referral updates"),
    "rewards": N_("Reward updates"),
    "digests": N_("Weekly digest"),
    "reminders": N_("Reminders and nudges"),
    "program_summary": N_("Weekly program summary (staff who subscribe in Reports)"),
    "news": N_("News from the program team"),
    "community": N_("Community: new topics you follow and replies to yours"),
}


class EmailOptOut(Base):
    """A category of email a person switched off (no row: they get it)."""

    __tablename__ = "email_opt_outs"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[EmailCategory] = mapped_column(String(20), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EmailText(Translatable, Base):
    """A marketer's own subject and opening paragraph for one kind of email."""

    __tablename__ = "email_texts"

    kind: Mapped[str] = mapped_column(String(60), primary_key=True)
    # Read in the recipient's language (portal.translations); the staff form uses the sources.
    subject_source: Mapped[str] = mapped_column("subject", String(300), default="")
    intro_source: Mapped[str] = mapped_column("intro", String(1000), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    subject = translated("subject_source", "subject")
    intro = translated("intro_source", "intro")
