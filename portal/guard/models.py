from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base


class PublicForm(StrEnum):
    LANDING = "landing"  # the prospect's form behind an advocate's link, /r/<code>
    SIGNUP = "signup"
    CODE_LOOKUP = "code_lookup"  # a personal referral code typed on a public form

    @property
    def label(self) -> str:
        return {
            "landing": "Referral landing form",
            "signup": "Open sign-up",
            "code_lookup": "Referral code lookup",
        }[self.value]


class Outcome(StrEnum):
    ACCEPTED = "accepted"  # got past the guard (the form may still have had errors)
    HONEYPOT = "honeypot"  # filled in the field people never see
    TOO_FAST = "too_fast"  # sent sooner after the page was served than a person can type
    EXPIRED = "expired"  # sent from a page served too long ago, or without its start stamp
    THROTTLED = "throttled"  # too many attempts from one client or on one link

    @property
    def label(self) -> str:
        return {
            "accepted": "Accepted",
            "honeypot": "Hidden field filled in (a bot)",
            "too_fast": "Sent too fast",
            "expired": "Sent from an old page",
            "throttled": "Too many attempts",
        }[self.value]


class PublicFormAttempt(Base):
    """One post of a public form. Only a keyed hash of the address is kept, and only for
    the throttle window and the staff counts (a daily job deletes rows after 30 days)."""

    __tablename__ = "public_form_attempts"
    __table_args__ = (
        Index("ix_public_form_attempts_client", "form", "client_key", "created_at"),
        Index("ix_public_form_attempts_subject", "form", "subject_id", "created_at"),
        Index("ix_public_form_attempts_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    form: Mapped[PublicForm] = mapped_column(String(20))
    outcome: Mapped[Outcome] = mapped_column(String(20))
    client_key: Mapped[str] = mapped_column(String(64))
    # Whose link the form belongs to (the landing form); None for sign-up.
    subject_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
