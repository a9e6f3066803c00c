from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.db import Base
from portal.files.references import stored_file
from portal.i18n import N_, gettext
from portal.translations import Translatable, translated

if TYPE_CHECKING:
    from portal.people.models import User


class RewardKind(StrEnum):
    PHYSICAL = "physical"
    GIFT_CARD = "gift_card"
    CODE = "code"
    DONATION = "donation"
    EXPERIENCE = "experience"

    @property
    def label(self) -> str:
        return gettext(KIND_LABELS[self.value])

    @property
    def icon(self) -> str:
        """A name from the icon set (portal.icons), drawn where a reward has no image."""
        return {
            "physical": "package",
            "gift_card": "gift",
            "code": "key-round",
            "donation": "hand-heart",
            "experience": "ticket",
        }[self.value]


KIND_LABELS = {
    "physical": N_("Physical"),
    "gift_card": N_("Gift card"),
    "code": N_("Code"),
    "donation": N_("Donation"),
    "experience": N_("Experience"),
}


class RedemptionStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    FULFILLED = "fulfilled"
    REJECTED = "rejected"
    CANCELLED = "cancelled"

    @property
    def is_closed(self) -> bool:
        return self in (RedemptionStatus.REJECTED, RedemptionStatus.CANCELLED)


class Reward(Translatable, Base):
    __tablename__ = "rewards"
    __table_args__ = (
        CheckConstraint("cost > 0", name="cost_positive"),
        CheckConstraint("inventory IS NULL OR inventory >= 0", name="inventory_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Read in the reader's language (portal.translations); staff forms use the `_source`s.
    title_source: Mapped[str] = mapped_column("title", String(120))
    description_html_source: Mapped[str] = mapped_column("description_html", Text, default="")
    image_name: Mapped[str | None] = mapped_column(String(80), info=stored_file())
    image_type: Mapped[str] = mapped_column(String(100), default="")
    kind: Mapped[RewardKind] = mapped_column(String(20))
    cost: Mapped[int]
    # None = unlimited. Rewards with a code pool count their unused codes instead.
    inventory: Mapped[int | None]
    uses_code_pool: Mapped[bool] = mapped_column(default=False)
    # The pool referred friends get a code from (Manage → Referrals says when); at most one.
    for_referred_friends: Mapped[bool] = mapped_column(default=False)
    per_user_limit: Mapped[int | None]
    needs_approval: Mapped[bool] = mapped_column(default=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    cause: Mapped[str] = mapped_column(String(200), default="")  # donation rewards name it
    is_targeted: Mapped[bool] = mapped_column(default=False)  # only for the groups in `groups`
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the program team was told the code pool ran low / the reward ran out; cleared when
    # stock comes back, so each crossing alerts once.
    low_stock_alerted_at: Mapped[datetime | None]
    sold_out_alerted_at: Mapped[datetime | None]

    title = translated("title_source", "title")
    description_html = translated("description_html_source", "description_html")

    groups: Mapped[list["RewardGroup"]] = relationship(lazy="raise", cascade="all, delete-orphan")

    @property
    def needs_shipping(self) -> bool:
        return self.kind == RewardKind.PHYSICAL

    @property
    def kind_label(self) -> str:
        return RewardKind(self.kind).label

    @property
    def kind_icon(self) -> str:
        return RewardKind(self.kind).icon


class RewardLevel(Base):
    """A reward only people at this level or above may redeem (deleting the level frees it).
    A table of its own: adding a foreign key to `rewards` on SQLite means rebuilding it."""

    __tablename__ = "reward_levels"

    reward_id: Mapped[int] = mapped_column(
        ForeignKey("rewards.id", ondelete="CASCADE"), primary_key=True
    )
    level_id: Mapped[int] = mapped_column(ForeignKey("levels.id", ondelete="CASCADE"), index=True)


class RewardGroup(Base):
    """A reward targeted at groups is shown only to their members; none means everyone."""

    __tablename__ = "reward_groups"

    reward_id: Mapped[int] = mapped_column(
        ForeignKey("rewards.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )


class RewardCode(Base):
    __tablename__ = "reward_codes"
    __table_args__ = (
        UniqueConstraint("reward_id", "code", name="uq_reward_codes_reward_id_code"),
        Index("ix_reward_codes_free", "reward_id", "redemption_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reward_id: Mapped[int] = mapped_column(ForeignKey("rewards.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(200))
    redemption_id: Mapped[int | None] = mapped_column(
        ForeignKey("redemptions.id", ondelete="SET NULL"), unique=True
    )
    assigned_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def masked(self) -> str:
        return "•" * max(len(self.code) - 4, 4) + self.code[-4:]


class Redemption(Base):
    __tablename__ = "redemptions"
    __table_args__ = (
        Index("ix_redemptions_status_created_at", "status", "created_at"),
        # Reports read the redemptions fulfilled in a period (and those asked for in one).
        Index("ix_redemptions_fulfilled_at", "fulfilled_at"),
        Index("ix_redemptions_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reward_id: Mapped[int] = mapped_column(
        ForeignKey("rewards.id", ondelete="RESTRICT"), index=True
    )
    cost: Mapped[int]
    status: Mapped[RedemptionStatus] = mapped_column(String(20))
    # The form's key: a double submit finds the redemption it already made.
    request_key: Mapped[str] = mapped_column(String(80), unique=True)
    shipping: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    tracking_note: Mapped[str] = mapped_column(String(500), default="")
    reject_reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[datetime | None]
    fulfilled_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]  # rejected or cancelled
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    reward: Mapped[Reward] = relationship(lazy="raise")
    user: Mapped["User"] = relationship(foreign_keys=[user_id], lazy="raise")
    code: Mapped["RewardCode | None"] = relationship(lazy="raise", uselist=False, viewonly=True)


class FriendGift(Base):
    """The welcome reward a referred friend was sent: one per referral (the unique referral id
    is what makes it exactly once), with the code drawn for them. A drawn code leaves the pool,
    so every count of unused codes stays a count of `reward_codes` rows without a redemption."""

    __tablename__ = "friend_gifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), unique=True
    )
    reward_id: Mapped[int | None] = mapped_column(
        ForeignKey("rewards.id", ondelete="SET NULL"), index=True
    )
    code: Mapped[str | None] = mapped_column(String(200))  # None: the pool was empty or unset
    email: Mapped[str] = mapped_column(String(320))
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
