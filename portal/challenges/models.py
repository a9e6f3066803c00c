from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.db import Base
from portal.files.references import stored_file
from portal.i18n import N_, gettext
from portal.translations import Translatable, translated

if TYPE_CHECKING:
    from portal.people.models import User


class ChallengeType(StrEnum):
    SHARE_LINK = "share_link"
    ONLINE_REVIEW = "online_review"
    ANSWER_QUESTIONS = "answer_questions"
    UPLOAD_IMAGE = "upload_image"
    ATTEND_EVENT = "attend_event"
    REFER = "refer"
    WATCH_VIDEO = "watch_video"
    DOWNLOAD_ASSET = "download_asset"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        return gettext(TYPE_LABELS[self])

    @property
    def icon(self) -> str:
        """The icon's name for the card (decorative: the label is always next to it)."""
        return TYPE_ICONS[self]


TYPE_LABELS = {
    ChallengeType.SHARE_LINK: N_("Share a link"),
    ChallengeType.ONLINE_REVIEW: N_("Write a review"),
    ChallengeType.ANSWER_QUESTIONS: N_("Answer questions"),
    ChallengeType.UPLOAD_IMAGE: N_("Share a photo"),
    ChallengeType.ATTEND_EVENT: N_("Attend an event"),
    ChallengeType.REFER: N_("Refer someone"),
    ChallengeType.WATCH_VIDEO: N_("Watch a video"),
    ChallengeType.DOWNLOAD_ASSET: N_("Download content"),
    ChallengeType.CUSTOM: N_("Custom"),
}
TYPE_ICONS = {  # names from the icon set (portal.icons)
    ChallengeType.SHARE_LINK: "share-2",
    ChallengeType.ONLINE_REVIEW: "message-square-text",
    ChallengeType.ANSWER_QUESTIONS: "circle-help",
    ChallengeType.UPLOAD_IMAGE: "image",
    ChallengeType.ATTEND_EVENT: "calendar",
    ChallengeType.REFER: "user-plus",
    ChallengeType.WATCH_VIDEO: "circle-play",
    ChallengeType.DOWNLOAD_ASSET: "download",
    ChallengeType.CUSTOM: "pencil-line",
}


# Completed by doing something elsewhere in the portal, never through the entry form.
BY_DOING = frozenset({ChallengeType.REFER, ChallengeType.WATCH_VIDEO, ChallengeType.DOWNLOAD_ASSET})


class ChallengeStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Approval(StrEnum):
    AUTO = "auto"
    MANUAL = "manual"


class SubmissionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Challenge(Translatable, Base):
    __tablename__ = "challenges"
    __table_args__ = (
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint("max_per_user >= 1", name="max_per_user_positive"),
        CheckConstraint("max_total IS NULL OR max_total >= 1", name="max_total_positive"),
        # The slots taken (pending and approved submissions) never pass max_total.
        CheckConstraint("max_total IS NULL OR taken <= max_total", name="taken_within_max_total"),
        Index("ix_challenges_status_ends_at", "status", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Read in the reader's language (portal.translations); staff forms use the `_source`s.
    title_source: Mapped[str] = mapped_column("title", String(120))
    summary_source: Mapped[str] = mapped_column("summary", String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")  # as the marketer wrote it
    body_html_source: Mapped[str] = mapped_column("body_html", Text, default="")  # sanitized
    type: Mapped[ChallengeType] = mapped_column(String(20))
    points: Mapped[int]
    status: Mapped[ChallengeStatus] = mapped_column(String(20), default=ChallengeStatus.DRAFT)
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    max_per_user: Mapped[int] = mapped_column(default=1)
    max_total: Mapped[int | None]
    # Pending and approved submissions: moved only by conditional updates (see the service).
    taken: Mapped[int] = mapped_column(default=0)
    approval: Mapped[Approval] = mapped_column(String(10), default=Approval.AUTO)
    # What the type needs: the URL to share, the review site, the questions, the event.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    is_targeted: Mapped[bool] = mapped_column(default=False)  # only for the groups in `groups`
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    title = translated("title_source", "title")
    summary = translated("summary_source", "summary")
    body_html = translated("body_html_source", "body_html")

    groups: Mapped[list["ChallengeGroup"]] = relationship(
        lazy="raise", cascade="all, delete-orphan"
    )

    @property
    def type_label(self) -> str:
        return ChallengeType(self.type).label

    @property
    def type_icon(self) -> str:
        return ChallengeType(self.type).icon

    @property
    def questions(self) -> list[dict[str, Any]]:
        return list(self.settings.get("questions", []))

    @property
    def event_at(self) -> datetime | None:
        """When an event starts: stored as an ISO instant; a value without an offset (saved
        before time zones) was typed in UTC."""
        text = self.settings.get("event_at") or ""
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

    @property
    def needs_review(self) -> bool:
        """Attendance is always confirmed by a marketer."""
        return self.approval == Approval.MANUAL or self.type == ChallengeType.ATTEND_EVENT


class ChallengeGroup(Base):
    """A challenge targeted at groups is shown only to their members; none means everyone."""

    __tablename__ = "challenge_groups"

    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )


class Submission(Base):
    __tablename__ = "challenge_submissions"
    __table_args__ = (
        Index("ix_challenge_submissions_status_created_at", "status", "created_at"),
        Index("ix_challenge_submissions_challenge_id_user_id", "challenge_id", "user_id"),
        # Reports read the entries decided in a period.
        Index("ix_challenge_submissions_decided_at", "decided_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[SubmissionStatus] = mapped_column(String(20))
    # The proof: {"answers": [{"question", "answer"}]}, {"proof_url"}, {"text"}, {"network"}...
    # A photo proof's storage name is under "image".
    response: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, info=stored_file("image"))
    # The form's key: a double submit finds the submission it already made.
    request_key: Mapped[str] = mapped_column(String(80), unique=True)
    points: Mapped[int]  # what approval pays (the challenge's points when submitted)
    feedback: Mapped[str] = mapped_column(String(1000), default="")
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    challenge: Mapped[Challenge] = relationship(lazy="raise")
    user: Mapped["User"] = relationship(foreign_keys=[user_id], lazy="raise")


class Dismissal(Base):
    """An advocate put a challenge aside (it moves to the Dismissed filter, and can return)."""

    __tablename__ = "challenge_dismissals"

    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
