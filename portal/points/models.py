from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.db import Base
from portal.program import cache


class EntryKind(StrEnum):
    AWARD = "award"
    SPEND = "spend"
    REFUND = "refund"
    ADJUST = "adjust"
    EXPIRE = "expire"


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"
    ALL_TIME = "all_time"

    @property
    def label(self) -> str:
        return {"week": "This week", "month": "This month", "all_time": "All time"}[self.value]


class LedgerEntry(Base):
    """One movement of points. Rows are never updated or deleted."""

    __tablename__ = "points_ledger"
    __table_args__ = (
        CheckConstraint("delta <> 0", name="delta_not_zero"),
        Index("ix_points_ledger_user_id_id", "user_id", "id"),
        # Reports read a period's rows by time.
        Index("ix_points_ledger_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[EntryKind] = mapped_column(String(10))
    delta: Mapped[int]
    counts_toward_lifetime: Mapped[bool]
    balance_after: Mapped[int]
    reason: Mapped[str] = mapped_column(String(200))
    source_type: Mapped[str | None] = mapped_column(String(40))
    source_id: Mapped[int | None]
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Balance(Base):
    """Kept in step with the ledger, in the same transaction: current == SUM(delta)."""

    __tablename__ = "points_balances"
    __table_args__ = (
        CheckConstraint("current >= 0", name="current_not_negative"),
        Index("ix_points_balances_lifetime", "lifetime"),
        # The People table sorts and pages by points to spend, the person breaking ties.
        Index("ix_points_balances_current_user_id", "current", "user_id"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    current: Mapped[int] = mapped_column(default=0)
    lifetime: Mapped[int] = mapped_column(default=0)
    # When the person last earned points: what re-engagement nudges go by. Set by the same
    # UPDATE that moves the balance, so it costs the award path nothing.
    last_earned_at: Mapped[datetime | None] = mapped_column(index=True)
    # When the person was first awarded points: what a report's activation goes by.
    first_earned_at: Mapped[datetime | None]


class PeriodTotal(Base):
    """Points earned per user per week and month, kept in the ledger transaction, so a weekly
    or monthly board reads one small index instead of aggregating the ledger."""

    __tablename__ = "points_period_totals"
    __table_args__ = (Index("ix_points_period_totals_board", "period", "period_start", "points"),)

    period: Mapped[Period] = mapped_column(String(10), primary_key=True)
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    points: Mapped[int] = mapped_column(default=0)


class DailyTotal(Base):
    """Points moved per UTC day, kind and source, kept in the ledger transaction so reports
    read a few thousand rows instead of the ledger. `added` sums the positive deltas and
    `removed` the negative ones (an adjustment can be either). `source_type` is the ledger
    row's, "" for none. `shard` (the user's id modulo DAILY_SHARDS) spreads the rows of one
    day, so concurrent awards to different people seldom wait on the same row's lock."""

    __tablename__ = "points_daily_totals"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[EntryKind] = mapped_column(String(10), primary_key=True)
    source_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    shard: Mapped[int] = mapped_column(primary_key=True)
    added: Mapped[int] = mapped_column(default=0)
    removed: Mapped[int] = mapped_column(default=0)


DAILY_SHARDS = 64


class EarnedDay(Base):
    """A UTC day on which a person was awarded points: one row per person and day, written by
    the award, so reports count the people who earned in any period without the ledger."""

    __tablename__ = "points_earned_days"
    __table_args__ = (Index("ix_points_earned_days_user_id_day", "user_id", "day"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class Level(Base):
    __tablename__ = "levels"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    min_points: Mapped[int] = mapped_column(unique=True)
    description: Mapped[str] = mapped_column(String(300), default="")


class LevelReached(Base):
    """A user reached a level: recorded once, so the event fires once."""

    __tablename__ = "levels_reached"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    level_id: Mapped[int] = mapped_column(
        ForeignKey("levels.id", ondelete="CASCADE"), primary_key=True
    )
    reached_at: Mapped[datetime] = mapped_column(default=utcnow)


class BadgeRule(StrEnum):
    CUSTOM = "custom"
    FIRST_REFERRAL = "first_referral"
    FIRST_WON_REFERRAL = "first_won_referral"
    CHALLENGES_5 = "challenges_5"
    CHALLENGES_25 = "challenges_25"
    FIRST_DOWNLOAD = "first_download"
    LEVEL_REACHED = "level_reached"


class Badge(Base):
    __tablename__ = "badges"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(String(300), default="")
    rule: Mapped[BadgeRule] = mapped_column(String(30), default=BadgeRule.CUSTOM)
    level_id: Mapped[int | None] = mapped_column(ForeignKey("levels.id", ondelete="CASCADE"))
    # A name from the icon set (portal.icons.BADGE_ICONS), drawn as an inline SVG.
    icon: Mapped[str] = mapped_column(String(40), default="award")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UserBadge(Base):
    __tablename__ = "user_badges"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    badge_id: Mapped[int] = mapped_column(
        ForeignKey("badges.id", ondelete="CASCADE"), primary_key=True
    )
    awarded_at: Mapped[datetime] = mapped_column(default=utcnow)
    awarded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(String(300), default="")

    badge: Mapped[Badge] = relationship(lazy="raise")


class FeedKind(StrEnum):
    LEVEL_UP = "level_up"
    BADGE = "badge"
    REFERRAL_WON = "referral_won"


class FeedItem(Base):
    """The community feed: other advocates' level-ups, badges and won referrals."""

    __tablename__ = "activity_feed"
    __table_args__ = (UniqueConstraint("event_key", name="uq_activity_feed_event_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[FeedKind] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(String(200))
    event_key: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


# Pages read levels and badges from the program cache: a change is seen by every worker.
cache.watch(Level, Badge)
