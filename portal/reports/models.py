from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base


class SummarySubscription(Base):
    """A marketer or admin who asked for the weekly program summary by email. `last_week`
    ("2026-W48") is claimed by an UPDATE before the email is queued, so a rerun or a second
    worker running the same cron job sends it once."""

    __tablename__ = "report_summary_subscriptions"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_week: Mapped[str | None] = mapped_column(String(10))


class SignupDay(Base):
    """Advocates who joined on a UTC day (`advocates`: active advocates now) and how many of them
    earned points within the activation window (`activated`), for the days old enough that the
    window has closed. Rewritten whole by the hourly job `refresh_signup_days` (see
    `portal.reports.signups`), not kept by the writing transactions: the count depends on each
    person's status and roles today, which many paths change."""

    __tablename__ = "report_signup_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    advocates: Mapped[int]
    activated: Mapped[int]
