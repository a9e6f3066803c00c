from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import utcnow
from portal.db import Base


class SavedView(Base):
    """A named People table query (filters and sort) kept by a marketer; shared views are
    offered to every marketer. The query string is re-parsed when used, so a view saved
    before a field changed still opens (what no longer parses shows as a filter error)."""

    __tablename__ = "people_saved_views"
    __table_args__ = (Index("ix_people_saved_views_owner_id_name", "owner_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[str] = mapped_column(String(2000))
    is_shared: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
