from datetime import datetime

from sqlalchemy import ForeignKey, String
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
