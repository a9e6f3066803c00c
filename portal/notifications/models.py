from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base
from portal.wording import Wording, worded


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    # The English title (exports, search) and its wording, read in the reader's language.
    title_source: Mapped[str] = mapped_column("title", String(200))
    title_wording: Mapped[Wording | None] = mapped_column(JSON)
    body_source: Mapped[str] = mapped_column("body", String(500), default="")
    body_wording: Mapped[Wording | None] = mapped_column(JSON)
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    title = worded("title_source", "title_wording", "title")
    body = worded("body_source", "body_wording", "body")
