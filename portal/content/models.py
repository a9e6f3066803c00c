from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Dialect, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from portal.clock import utcnow
from portal.db import Base
from portal.files.references import stored_file
from portal.i18n import N_, gettext
from portal.translations import Translatable, translated

DOCUMENT_POINTS = 10  # first download (documents, images, links)
VIDEO_POINTS = 25  # a training video watched to the end (90 %)
WATCHED_PERCENT = 90


class AssetKind(StrEnum):
    DOCUMENT = "document"
    VIDEO = "video"
    IMAGE = "image"
    LINK = "link"

    @property
    def label(self) -> str:
        return gettext(KIND_LABELS[self.value])

    @property
    def default_points(self) -> int:
        return VIDEO_POINTS if self is AssetKind.VIDEO else DOCUMENT_POINTS


KIND_LABELS = {
    "document": N_("Document"),
    "video": N_("Training video"),
    "image": N_("Image"),
    "link": N_("Link"),
}


class KindType(TypeDecorator[AssetKind]):
    """Stored as a plain string; read back as an `AssetKind`, so `asset.kind is ...` works."""

    impl = String(20)
    cache_ok = True

    def process_bind_param(self, value: AssetKind | str | None, dialect: Dialect) -> str | None:
        return None if value is None else AssetKind(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> AssetKind | None:
        return None if value is None else AssetKind(value)


class Asset(Translatable, Base):
    """A piece of collateral or a training video. File assets keep their bytes in storage
    under `storage_name`; link assets have a `url` instead."""

    __tablename__ = "content_assets"
    __table_args__ = (Index("ix_content_assets_published", "is_published", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Read in the reader's language (portal.translations); staff forms use the `_source`s.
    title_source: Mapped[str] = mapped_column("title", String(200))
    description_html_source: Mapped[str] = mapped_column("description_html", Text, default="")
    kind: Mapped[AssetKind] = mapped_column(KindType())
    category: Mapped[str] = mapped_column(String(60), default="")
    points: Mapped[int] = mapped_column(default=DOCUMENT_POINTS)
    is_published: Mapped[bool] = mapped_column(default=False)
    is_targeted: Mapped[bool] = mapped_column(default=False)  # only for the groups in `targets`
    url: Mapped[str | None] = mapped_column(String(2000))
    storage_name: Mapped[str | None] = mapped_column(String(64), unique=True, info=stored_file())
    original_filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    title = translated("title_source", "title")
    description_html = translated("description_html_source", "description_html")

    tags: Mapped[list["AssetTag"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="AssetTag.tag"
    )
    targets: Mapped[list["AssetGroup"]] = relationship(lazy="raise", cascade="all, delete-orphan")

    @property
    def tag_names(self) -> list[str]:
        return [t.tag for t in self.tags]

    @property
    def group_ids(self) -> set[int]:
        return {t.group_id for t in self.targets}

    @property
    def is_file(self) -> bool:
        return self.kind is not AssetKind.LINK and self.storage_name is not None

    @property
    def icon_label(self) -> str:
        """What the card shows where a thumbnail would be: the file type, or a play sign."""
        if self.kind is AssetKind.VIDEO:
            return "▶"
        if self.kind is AssetKind.LINK:
            return "LINK"
        suffix = (self.original_filename or "").rpartition(".")[2]
        return suffix.upper()[:4] if suffix and "." in (self.original_filename or "") else "FILE"

    @property
    def size_label(self) -> str:
        size = float(self.size_bytes or 0)
        for unit in ("bytes", "KB", "MB"):
            if size < 1024 or unit == "MB":
                return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
            size /= 1024
        return ""


class AssetTag(Base):
    __tablename__ = "content_asset_tags"

    asset_id: Mapped[int] = mapped_column(
        ForeignKey("content_assets.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class AssetGroup(Base):
    """Targeting: an asset with rows here is shown only to members of those groups."""

    __tablename__ = "content_asset_groups"

    asset_id: Mapped[int] = mapped_column(
        ForeignKey("content_assets.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class AssetUse(Base):
    """One row per person and asset: first use (download, open, follow, or a video started),
    how far a video was watched, and when it counted as watched.

    A video's watching is what the server saw: the stretches of the video (`watched_segments`,
    merged `[start, end]` seconds) that heartbeats reported, each credited no longer than the
    wall-clock time since the previous heartbeat allows; `duration_seconds` is the first
    duration the player reported (capped), and `watched_percent` their ratio."""

    __tablename__ = "content_asset_uses"
    # Reports read the first uses in a period.
    __table_args__ = (Index("ix_content_asset_uses_first_used_at", "first_used_at"),)

    asset_id: Mapped[int] = mapped_column(
        ForeignKey("content_assets.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    first_used_at: Mapped[datetime] = mapped_column(default=utcnow)
    downloads: Mapped[int] = mapped_column(default=0)
    watched_percent: Mapped[int] = mapped_column(default=0)
    watched_at: Mapped[datetime | None]
    points_awarded: Mapped[int] = mapped_column(default=0)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    watched_segments: Mapped[list[list[float]]] = mapped_column(
        JSON, default=list, server_default="[]"
    )
    heartbeat_at: Mapped[datetime | None]
