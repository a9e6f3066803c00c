from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String
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


class ViewBroadcast(Base):
    """A broadcast addressed to a saved view: when sending starts its people are read again from
    the view's filters (`portal.directory.audience.resolve_saved_view`), so whoever joined the
    view after it was scheduled gets it and whoever left does not. A deleted view leaves the
    people it matched when the broadcast was written."""

    __tablename__ = "people_view_broadcasts"

    broadcast_id: Mapped[int] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE"), primary_key=True
    )
    saved_view_id: Mapped[int] = mapped_column(
        ForeignKey("people_saved_views.id", ondelete="CASCADE"), index=True
    )


class BulkRunStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"


class BulkRun(Base):
    """A bulk action on more people than one request should handle: its people are listed
    when it is confirmed and acted on by jobs, a batch per transaction, while its page shows
    the progress (portal.directory.bulk_runs)."""

    __tablename__ = "people_bulk_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(30))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"))
    points: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(String(200), default="")
    # Drawn when the confirmation was shown: confirming twice starts one run.
    action_key: Mapped[str] = mapped_column(String(16), unique=True)
    view: Mapped[str] = mapped_column(String(2000), default="")  # the table to return to
    status: Mapped[BulkRunStatus] = mapped_column(String(20), default=BulkRunStatus.RUNNING)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    handled: Mapped[int] = mapped_column(default=0)  # done or skipped
    skipped: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # reason: count
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When a batch last ran: a run with no batch for a while lost its job; the sweep resumes.
    progressed_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class BulkRunPerson(Base):
    """One person a run acts on; `handled` changes in the transaction that acts on them, so a
    retried or duplicated batch never acts twice."""

    __tablename__ = "people_bulk_run_people"
    __table_args__ = (
        Index("ix_people_bulk_run_people_waiting", "bulk_run_id", "handled", "user_id"),
    )

    bulk_run_id: Mapped[int] = mapped_column(
        ForeignKey("people_bulk_runs.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    handled: Mapped[bool] = mapped_column(default=False)
