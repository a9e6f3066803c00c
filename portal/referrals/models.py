from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.db import Base
from portal.i18n import N_, gettext
from portal.people.models import User


class Stage(StrEnum):
    SUBMITTED = "submitted"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    OPPORTUNITY = "opportunity"
    WON = "won"
    LOST = "lost"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return gettext(STAGE_LABELS[self.value])

    @property
    def is_closed(self) -> bool:
        return self in (Stage.LOST, Stage.REJECTED)

    @property
    def rank(self) -> int:
        """Position in the pipeline; closed stages have none (-1)."""
        return PIPELINE.index(self) if self in PIPELINE else -1


PIPELINE = [Stage.SUBMITTED, Stage.CONTACTED, Stage.QUALIFIED, Stage.OPPORTUNITY, Stage.WON]


class CloseReason(StrEnum):
    DUPLICATE = "duplicate"
    SELF_REFERRAL = "self_referral"
    NOT_A_FIT = "not_a_fit"
    INVALID = "invalid"

    @property
    def label(self) -> str:
        return gettext(CLOSE_REASON_LABELS[self.value])


STAGE_LABELS = {
    "submitted": N_("Submitted"),
    "contacted": N_("Contacted"),
    "qualified": N_("Qualified"),
    "opportunity": N_("Opportunity"),
    "won": N_("Won"),
    "lost": N_("Lost"),
    "rejected": N_("Rejected"),
}
CLOSE_REASON_LABELS = {
    "duplicate": N_("Duplicate"),
    "self_referral": N_("Self-referral"),
    "not_a_fit": N_("Not a fit"),
    "invalid": N_("Invalid"),
}


class Source(StrEnum):
    FORM = "form"
    LINK = "link"
    CODE = "code"
    API = "api"
    IMPORT = "import"  # from a CRM export (Manage → Referrals → Import)


class CreditRule(StrEnum):
    """Why a referral went to its advocate: the attribution model that picked one of the
    prospect's visits, or the page the form was on when no visit was remembered."""

    LAST_CLICK = "last_click"
    FIRST_CLICK = "first_click"
    LINK = "link"

    @property
    def label(self) -> str:
        return {
            "last_click": "Last click",
            "first_click": "First click",
            "link": "The link the form was on",
        }[self.value]


ATTRIBUTION_MODELS = (CreditRule.LAST_CLICK, CreditRule.FIRST_CLICK)


class Flag(StrEnum):
    """Why a referral waits for a person to look at it (flags never reject anything)."""

    FREE_MAIL = "free_mail"
    BURST = "burst"
    SAME_ADDRESS = "same_address"
    OWN_COMPANY = "own_company"
    DISPOSABLE = "disposable"
    SHARED_DOMAIN = "shared_domain"
    SIMILAR_NAME = "similar_name"
    REFERRER_ADDRESS = "referrer_address"

    @property
    def label(self) -> str:
        return {
            "free_mail": N_("Free-mail address"),
            "burst": N_("Many referrals in a short time"),
            "same_address": N_("Many sign-ups from one address"),
            "own_company": N_("Prospect works at the referrer's company"),
            "disposable": N_("Disposable (throw-away) email address"),
            "shared_domain": N_("Several prospects at one company from this advocate this week"),
            "similar_name": N_("Prospect's name is like the referrer's"),
            "referrer_address": N_("Sent from an address the referrer signs in from"),
        }[self.value]


class Campaign(Base):
    """A marketing push advocates' links can carry (`/r/<code>/<slug>`): while it runs, the
    referrals it brings pay its bonus points on top of the stages' own, and its landing form
    asks its extra questions."""

    __tablename__ = "referral_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # The link's last part; fixed at creation, because links carrying it are already shared.
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    # Extra points per pipeline stage, by stage value; a stage not named pays no bonus.
    bonus_points: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # Extra (optional) questions on the landing form, one a line.
    questions: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # An archived campaign is over and out of the way: its links bring no campaign any more
    # and advocates no longer see it; what it brought stays counted.
    archived_at: Mapped[datetime | None]

    def bonus_for(self, stage: Stage) -> int:
        return int(self.bonus_points.get(stage.value, 0))

    @property
    def bonus_summary(self) -> str:
        """The bonuses as an advocate reads them: "+100 at Qualified, +500 at Won"."""
        return ", ".join(
            f"+{self.bonus_for(stage):,} at {stage.label}"
            for stage in PIPELINE
            if self.bonus_for(stage)
        )

    @property
    def question_list(self) -> list[str]:
        return [line.strip() for line in self.questions.splitlines() if line.strip()]

    def runs_on(self, day: date) -> bool:
        if self.archived_at is not None:
            return False
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class Referral(Base):
    __tablename__ = "referrals"
    __table_args__ = (
        # One open referral per prospect: a rejected one frees the address again. A sale reported
        # by referral code alone has no address ("") and so no dedupe by it.
        Index(
            "ux_referrals_prospect_email_active",
            "prospect_email",
            unique=True,
            postgresql_where=text("stage <> 'rejected' AND prospect_email <> ''"),
            sqlite_where=text("stage <> 'rejected' AND prospect_email <> ''"),
        ),
        # The order or deal a conversion postback reported: one conversion per referral.
        Index("ux_referrals_order_id", "order_id", unique=True),
        Index("ix_referrals_referrer_id_created_at", "referrer_id", "created_at"),
        Index("ix_referrals_stage_updated_at", "stage", "updated_at"),
        # Reports read the referrals submitted in a period.
        Index("ix_referrals_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referrer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    prospect_name: Mapped[str] = mapped_column(String(120))
    # Normalized (trimmed, lower-case); "" when a shop reported a sale by referral code alone.
    prospect_email: Mapped[str] = mapped_column(String(320))
    prospect_company: Mapped[str] = mapped_column(String(200), default="")
    prospect_job_title: Mapped[str] = mapped_column(String(200), default="")
    prospect_phone: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str] = mapped_column(Text, default="")  # the advocate's, shown to both sides
    source: Mapped[Source] = mapped_column(String(10), default=Source.FORM)
    stage: Mapped[Stage] = mapped_column(String(20), default=Stage.SUBMITTED)
    # The furthest pipeline stage ever reached: stages up to it have paid their points.
    reached_stage: Mapped[Stage] = mapped_column(String(20), default=Stage.SUBMITTED)
    close_reason: Mapped[CloseReason | None] = mapped_column(String(20))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)  # the CRM's id
    order_id: Mapped[str | None] = mapped_column(String(100))  # a conversion's order or deal
    deal_value: Mapped[int | None]
    is_qualified_lead: Mapped[bool] = mapped_column(default=False)
    flags: Mapped[str] = mapped_column(String(200), default="")  # Flag values, space-separated
    client_key: Mapped[str | None] = mapped_column(String(64))  # salted hash of the address
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The owner was last reminded of it (a stale referral is reminded once per quiet spell).
    reminded_at: Mapped[datetime | None]

    referrer: Mapped[User] = relationship(foreign_keys=[referrer_id], lazy="raise")
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="raise")
    events: Mapped[list["ReferralEvent"]] = relationship(
        back_populates="referral",
        lazy="raise",
        order_by="ReferralEvent.id",
        cascade="all, delete-orphan",
    )

    @property
    def stage_label(self) -> str:
        return Stage(self.stage).label

    @property
    def prospect_label(self) -> str:
        """How a log line names the prospect: the email, or the name when there is none."""
        return self.prospect_email or self.prospect_name

    @property
    def is_closed(self) -> bool:
        return Stage(self.stage).is_closed

    @property
    def reason_label(self) -> str:
        return CloseReason(self.close_reason).label if self.close_reason else ""

    @property
    def flag_list(self) -> list[Flag]:
        return [Flag(value) for value in self.flags.split()]

    @property
    def is_flagged(self) -> bool:
        return bool(self.flags)


class ReferralOrigin(Base):
    """Where a referral came from, when known: the campaign its link carried, the link's UTM
    tags, the site the visitor came from, and the campaign's extra questions as they were asked
    with the prospect's answers. A table of its own so the referrals table keeps its shape."""

    __tablename__ = "referral_origins"

    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), primary_key=True
    )
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("referral_campaigns.id", ondelete="SET NULL"), index=True
    )
    utm_source: Mapped[str] = mapped_column(String(100), default="")
    utm_medium: Mapped[str] = mapped_column(String(100), default="")
    utm_campaign: Mapped[str] = mapped_column(String(100), default="")
    referrer_host: Mapped[str] = mapped_column(String(255), default="")
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # How the referral was credited, and the attribution window then (for the explanation).
    credit_rule: Mapped[CreditRule | None] = mapped_column(String(20))
    window_days: Mapped[int | None]

    campaign: Mapped[Campaign | None] = relationship(lazy="raise")
    touches: Mapped[list["ReferralTouch"]] = relationship(
        lazy="raise", order_by="ReferralTouch.touched_at", viewonly=True
    )


class ReferralTouch(Base):
    """One visit through an advocate's link or share page that led to a referral, credited or
    not: the referral's record of every advocate whose link the prospect used."""

    __tablename__ = "referral_touches"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referral_origins.referral_id", ondelete="CASCADE"), index=True
    )
    advocate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("referral_campaigns.id", ondelete="SET NULL")
    )
    utm_source: Mapped[str] = mapped_column(String(100), default="")
    utm_medium: Mapped[str] = mapped_column(String(100), default="")
    utm_campaign: Mapped[str] = mapped_column(String(100), default="")
    referrer_host: Mapped[str] = mapped_column(String(255), default="")
    touched_at: Mapped[datetime]
    credited: Mapped[bool] = mapped_column(default=False)

    advocate: Mapped[User] = relationship(lazy="raise")
    campaign: Mapped[Campaign | None] = relationship(lazy="raise")


class ReferralEvent(Base):
    """A stage change: the advocate's timeline and the pipeline's history."""

    __tablename__ = "referral_events"
    # The moves into a stage in a period: reports count the referrals qualified and won.
    __table_args__ = (Index("ix_referral_events_to_stage_created_at", "to_stage", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    from_stage: Mapped[Stage | None] = mapped_column(String(20))
    to_stage: Mapped[Stage] = mapped_column(String(20))
    reason: Mapped[CloseReason | None] = mapped_column(String(20))  # for lost and rejected
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    via: Mapped[str] = mapped_column(String(10), default="portal")  # "portal" or "crm"
    note: Mapped[str] = mapped_column(String(500), default="")  # the rep's, staff only
    points: Mapped[int] = mapped_column(default=0)  # what this move paid the advocate
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="events", lazy="raise")

    @property
    def to_label(self) -> str:
        return Stage(self.to_stage).label

    @property
    def reason_label(self) -> str:
        return CloseReason(self.reason).label if self.reason else ""

    actor: Mapped[User | None] = relationship(lazy="raise")


class ReferralNote(Base):
    """An internal sales note: staff only, never shown to the advocate."""

    __tablename__ = "referral_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship(lazy="raise")


class ReferralClick(Base):
    """A visit to an advocate's personal link; the address is kept only as a salted hash."""

    __tablename__ = "referral_clicks"
    __table_args__ = (
        Index("ix_referral_clicks_referrer_id_created_at", "referrer_id", "created_at"),
        # A visitor's recent clicks: counted once a day per link, and capped per hour.
        Index("ix_referral_clicks_client_key_created_at", "client_key", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referrer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_key: Mapped[str] = mapped_column(String(64))
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("referral_campaigns.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CrmStageName(Base):
    """A CRM's own name for a portal stage ("Closed Won" → won), so a CRM can send its names
    through the API. Matched case-insensitively: `key` is the name folded."""

    __tablename__ = "referral_crm_stage_names"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(100), unique=True)
    stage: Mapped[Stage] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Recruitment(Base):
    """An advocate who joined through another advocate's invitation link: the recruiter earns
    the bonuses of Manage → Referrals when the recruit joins and reaches their milestone (and
    the recruiter's own recruiter a smaller one, when a second level is on)."""

    __tablename__ = "recruitments"

    recruit_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    recruiter_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
