from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base
from portal.i18n import N_


class Nudge(Base):
    """One engagement email sent: the primary key is what makes a retry, or two workers
    running the same cron job, send it once."""

    __tablename__ = "nudges"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    period: Mapped[str] = mapped_column(String(40), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class Sequence(StrEnum):
    ONBOARDING = "onboarding"  # day N after the first sign-in
    REENGAGEMENT = "reengagement"  # after N days without earning points

    @property
    def label(self) -> str:
        return {"onboarding": N_("Onboarding"), "reengagement": N_("Re-engagement")}[self.value]


class SequenceStep(Base):
    """One email of a sequence, editable in Manage → Sequences. `key` is what a send is claimed
    under in `nudges`, so changing a step's day or words never sends it again to someone who
    had it. The portal's own steps use their email kind's template (wording in Manage → Emails);
    a step a marketer adds carries its own subject and body."""

    __tablename__ = "sequence_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[Sequence] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(40), unique=True)
    days: Mapped[int]
    email_kind: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    only_if_quiet: Mapped[bool] = mapped_column(default=False)  # onboarding: no points yet
    is_enabled: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
