from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import i18n
from portal.clock import utcnow
from portal.db import Base
from portal.i18n import N_, gettext
from portal.program import cache
from portal.wording import Wording, worded


class EntryKind(StrEnum):
    AWARD = "award"
    SPEND = "spend"
    REFUND = "refund"
    ADJUST = "adjust"
    EXPIRE = "expire"
    # Takes back points a source paid (a rejected referral, a won deal moved back): names the
    # entry it reverses in `original_id`, and lowers lifetime as well as current.
    REVERSE = "reverse"
    # Ends a pending entry without paying it: pending itself, so it counts toward nothing.
    CANCEL = "cancel"


class EntryState(StrEnum):
    """A posted row moves the balance; a pending one waits (for its clearance date, or for a
    person when `pending_until` is empty) and counts toward nothing until a keyed row settles
    it: an `award` that releases it or a `cancel`, both naming it in `original_id`."""

    POSTED = "posted"
    PENDING = "pending"


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"
    ALL_TIME = "all_time"

    @property
    def label(self) -> str:
        return gettext(PERIOD_LABELS[self.value])


PERIOD_LABELS = {"week": N_("This week"), "month": N_("This month"), "all_time": N_("All time")}


class LedgerEntry(Base):
    """One movement of points. Rows are never updated or deleted."""

    __tablename__ = "points_ledger"
    __table_args__ = (
        CheckConstraint("delta <> 0", name="delta_not_zero"),
        Index("ix_points_ledger_user_id_id", "user_id", "id"),
        # Reports read a period's rows by time.
        Index("ix_points_ledger_created_at", "created_at"),
        # The release job reads the pending rows whose date has come; the few pending rows
        # are all this index holds.
        Index(
            "ix_points_ledger_pending_until",
            "pending_until",
            postgresql_where=text("state = 'pending'"),
            sqlite_where=text("state = 'pending'"),
        ),
        # What settled or reversed an entry: looked up per entry, on few rows.
        Index(
            "ix_points_ledger_original_id",
            "original_id",
            postgresql_where=text("original_id IS NOT NULL"),
            sqlite_where=text("original_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[EntryKind] = mapped_column(String(10))
    delta: Mapped[int]
    counts_toward_lifetime: Mapped[bool]
    balance_after: Mapped[int]
    # The English reason (exports, search, the audit trail) and its wording, read in the
    # reader's language (portal.wording).
    reason_source: Mapped[str] = mapped_column("reason", String(200))
    reason_wording: Mapped[Wording | None] = mapped_column(JSON)
    source_type: Mapped[str | None] = mapped_column(String(40))
    source_id: Mapped[int | None]
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[EntryState] = mapped_column(
        String(10), default=EntryState.POSTED, server_default=EntryState.POSTED.value
    )
    # A pending entry's clearance date; empty while it waits for a person's review.
    pending_until: Mapped[datetime | None]
    # Why a pending entry waits for review (a flagged referral, an earn cap): staff read it.
    hold_reason: Mapped[str | None] = mapped_column(String(200))
    # The entry this row releases, cancels or reverses.
    original_id: Mapped[int | None] = mapped_column(ForeignKey("points_ledger.id"))
    # The level's earn multiplier this award was paid at, in percent (120: x1.2); empty when
    # none applied. `delta` is the multiplied amount.
    multiplier_percent: Mapped[int | None]

    @property
    def is_pending(self) -> bool:
        return self.state == EntryState.PENDING and self.kind == EntryKind.AWARD

    reason = worded("reason_source", "reason_wording", "reason")


class Balance(Base):
    """Kept in step with the ledger, in the same transaction: current == SUM(delta)."""

    __tablename__ = "points_balances"
    __table_args__ = (
        CheckConstraint("current >= 0", name="current_not_negative"),
        CheckConstraint("owed >= 0", name="owed_not_negative"),
        Index("ix_points_balances_lifetime", "lifetime"),
        # The People table sorts and pages by points to spend, the person breaking ties.
        Index("ix_points_balances_current_user_id", "current", "user_id"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    current: Mapped[int] = mapped_column(default=0)
    lifetime: Mapped[int] = mapped_column(default=0)
    # Points a clawback could not take because the balance was short: taken from the next
    # awards (current never goes negative). Moved only with the `reverse` rows that explain it.
    owed: Mapped[int] = mapped_column(default=0, server_default="0")
    # When the person last earned points: what re-engagement nudges go by. Set by the same
    # UPDATE that moves the balance, so it costs the award path nothing.
    last_earned_at: Mapped[datetime | None] = mapped_column(index=True)
    # When the person was first awarded points: what a report's activation goes by.
    first_earned_at: Mapped[datetime | None]
    # The later of their last visit and last points earned (the People table's "last
    # activity"), kept by the award's UPDATE and by people.sessions.record_visit. Kept here
    # rather than on users so that the table sorts by it through one index, as by points.
    last_active_at: Mapped[datetime | None]
    # The lowest level a marketer keeps the person at, whatever their points say (tiers.py);
    # here so that every read of the balance has it without another query.
    floor_level_id: Mapped[int | None] = mapped_column(ForeignKey("levels.id", ondelete="SET NULL"))
    # Weeks in a row with an award (streaks.py), kept by the award's UPDATE, read with the
    # balance: the week (its Monday, in the person's zone) of the last award, the weeks of the
    # streak that ended there, the longest ever, and the freezes held for a missed week.
    streak_week: Mapped[date | None] = mapped_column(Date)
    streak_weeks: Mapped[int] = mapped_column(default=0, server_default="0")
    best_streak_weeks: Mapped[int] = mapped_column(default=0, server_default="0")
    streak_freezes: Mapped[int] = mapped_column(default=0, server_default="0")


# Never-active people last when newest first, first when oldest first: one index, both ways.
Index(
    "ix_points_balances_last_active_at_user_id",
    Balance.last_active_at.asc().nulls_first(),
    Balance.user_id,
)


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


class DailyEarners(Base):
    """How many people were awarded points on each UTC day: one more when an award writes a
    person's first `points_earned_days` row of the day, so the engagement report reads a few
    rows a day instead of counting earned days. Sharded like the daily totals."""

    __tablename__ = "points_daily_earners"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    shard: Mapped[int] = mapped_column(primary_key=True)
    earners: Mapped[int] = mapped_column(default=0)


class EarnerReturns(Base):
    """People whose first award of a UTC day came after their previous award day `since`
    (`people.models.NEVER` for their first ever), kept beside `points_daily_earners`: the people
    awarded points from day A to day B are the rows of those days with `since` before A (each
    person's first award day in the period), a distinct count read from a few thousand
    counters. Sharded like the daily totals."""

    __tablename__ = "points_earner_returns"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    since: Mapped[date] = mapped_column(Date, primary_key=True)
    shard: Mapped[int] = mapped_column(primary_key=True)
    earners: Mapped[int] = mapped_column(default=0)


class IssuedDay(Base):
    """Points issued to a person on a UTC day (awards and positive adjustments, as the reports
    count issued points), kept by the ledger transaction: a period's top advocates add up these
    rows instead of the ledger's."""

    __tablename__ = "points_issued_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    points: Mapped[int] = mapped_column(default=0)


class IssuedMonth(Base):
    """Points issued to a person in a UTC month (`month` its first day): the sum of their
    `points_issued_days` rows in it, kept beside them by the ledger transaction, so a long
    period's top advocates read its whole months here and only its ragged ends by day."""

    __tablename__ = "points_issued_months"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    points: Mapped[int] = mapped_column(default=0)


class Level(Base):
    __tablename__ = "levels"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    min_points: Mapped[int] = mapped_column(unique=True)
    description: Mapped[str] = mapped_column(String(300), default="")
    # What awards to people at this level are multiplied by, in percent (120: x1.2; 100 to
    # MAX_MULTIPLIER_PERCENT, as the level form checks)...
    multiplier_percent: Mapped[int] = mapped_column(default=100, server_default="100")
    # ...for the earning sources named here (`Earning` values, comma-separated).
    multiplies: Mapped[str] = mapped_column(
        String(100), default="challenge,content", server_default="challenge,content"
    )

    @property
    def multiplied_sources(self) -> frozenset[str]:
        return frozenset(name for name in self.multiplies.split(",") if name)

    @property
    def multiplier_label(self) -> str:
        """x1.2 as people read it, the number written the reader's way (x1,2 in German)."""
        return f"\u00d7{i18n.number(self.multiplier_percent / 100)}"


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
    STREAK_4 = "streak_4"
    STREAK_12 = "streak_12"
    STREAK_26 = "streak_26"
    STREAK_52 = "streak_52"
    # Made by a season's close for its top 3 and top 10 (seasons.py), never earned afterwards.
    SEASON_TOP_3 = "season_top_3"
    SEASON_TOP_10 = "season_top_10"
    COMMUNITY_TOPICS_5 = "community_topics_5"
    COMMUNITY_REPLIES_25 = "community_replies_25"
    COMMUNITY_ANSWERS_3 = "community_answers_3"
    COMMUNITY_HELPFUL_10 = "community_helpful_10"


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
    COMMUNITY_TOPIC = "community_topic"
    COMMUNITY_ANSWER = "community_answer"


class FeedItem(Base):
    """The community feed: other advocates' level-ups, badges and won referrals."""

    __tablename__ = "activity_feed"
    __table_args__ = (UniqueConstraint("event_key", name="uq_activity_feed_event_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[FeedKind] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(String(200))  # in English
    wording: Mapped[Wording | None] = mapped_column(JSON)  # read in the reader's language
    event_key: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class RescoreRun(Base):
    """Rescoring of past awards after a level change (rescore.py): the levels as proposed, the
    window of awards replayed, and the job's progress; its adjustment rows are keyed by run and
    person, so running it twice adjusts nobody twice."""

    __tablename__ = "points_rescore_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(String(200))
    # Each level as proposed: {"id", "name", "min_points", "percent", "multiplies"}.
    levels: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default="queued")  # running, done
    people: Mapped[int] = mapped_column(default=0)  # to adjust
    done: Mapped[int] = mapped_column(default=0)
    points: Mapped[int] = mapped_column(default=0)  # the sum of the adjustments posted
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# Pages read levels and badges from the program cache: a change is seen by every worker.
cache.watch(Level, Badge)
