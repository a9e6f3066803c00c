"""Seasons: a time-boxed leaderboard with its own badges, kept beside the points tables."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base
from portal.program import cache


class Season(Base):
    """From `starts_at` to `ends_at` (UTC instants of the wall-clock times a marketer gave in
    `time_zone`), for everyone or for one group's members. `closed_at` is set once, by the
    close job that awards its badges (the two badges it made are named here)."""

    __tablename__ = "seasons"
    __table_args__ = (Index("ix_seasons_ends_at", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    time_zone: Mapped[str] = mapped_column(String(64))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    top3_badge_id: Mapped[int | None] = mapped_column(ForeignKey("badges.id", ondelete="SET NULL"))
    top10_badge_id: Mapped[int | None] = mapped_column(ForeignKey("badges.id", ondelete="SET NULL"))

    def is_running(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at


class SeasonTotal(Base):
    """Points a person earned in a season (what counts toward lifetime, reversals taken off),
    kept by the ledger transaction while the season runs, so its board reads one index."""

    __tablename__ = "season_totals"
    __table_args__ = (Index("ix_season_totals_board", "season_id", "points"),)

    season_id: Mapped[int] = mapped_column(
        ForeignKey("seasons.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    points: Mapped[int] = mapped_column(default=0)


# The award path reads the running seasons from the program cache: a new season is seen by
# every worker on its next request.
cache.watch(Season)
