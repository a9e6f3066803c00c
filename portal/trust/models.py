from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base
from portal.i18n import N_

HIGH_FROM = 70  # the chip reads "Trusted" from here
LOW_BELOW = 40  # and "Low" under this


class TrustScore(Base):
    """One advocate's score (0 to 100) and the reasons that add up to it, rewritten whenever an
    input changes (`portal.trust_scoring`); the rules read it here."""

    __tablename__ = "trust_scores"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    score: Mapped[int]
    # [{"text": "3 of 4 referrals rejected as invalid", "points": -30}, …], as computed
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def band(self) -> str:
        if self.score >= HIGH_FROM:
            return "high"
        return "low" if self.score < LOW_BELOW else "middle"

    @property
    def band_label(self) -> str:
        return {"high": N_("Trusted"), "middle": N_("Neutral"), "low": N_("Low trust")}[self.band]
