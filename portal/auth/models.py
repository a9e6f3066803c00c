"""Signing in: invitations, password resets, failed sign-ins and two-factor sign-in (people live
in portal.people)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.db import Base
from portal.people.models import User


class Invitation(Base):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id], lazy="raise")


class PasswordReset(Base):
    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="raise")


class LoginFailure(Base):
    """One failed sign-in, keyed by salted hashes of the email and of the client address, so the
    throttle holds across workers without storing raw addresses."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_account_key_created_at", "account_key", "created_at"),
        Index("ix_login_failures_client_key_created_at", "client_key", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_key: Mapped[str] = mapped_column(String(64))
    client_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TwoFactor(Base):
    """A person's authenticator app (TOTP). The secret is kept encrypted (Fernet, with a key
    derived from SECRET_KEY) and never shown after setup; `last_step` is the time step of the
    last code accepted, so a code works once."""

    __tablename__ = "two_factor"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret_encrypted: Mapped[str] = mapped_column(String(200))
    enabled_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_step: Mapped[int] = mapped_column(BigInteger, default=0)


class RecoveryCode(Base):
    """One of a person's one-time recovery codes, kept as a keyed hash; used up when used."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class BulkInviteStatus(StrEnum):
    PREVIEW = "preview"  # read and checked, waiting for the marketer to send it
    SENDING = "sending"  # jobs invite the valid rows, a batch per transaction
    DONE = "done"


class BulkRowState(StrEnum):
    INVALID = "invalid"  # a problem found at upload; never invited
    WAITING = "waiting"  # valid, not invited yet
    INVITED = "invited"
    FAILED = "failed"  # valid at upload, refused when its turn came (say, signed up meanwhile)


class BulkInvite(Base):
    """One uploaded or pasted list of people to invite: its rows are checked at upload and
    invited later by jobs, a batch per transaction (portal.auth.service.bulk_invites)."""

    __tablename__ = "bulk_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(200))  # the file's name, or "Pasted list"
    # Opening balances are keyed by the file's content and the line: the same file sent twice
    # never pays twice.
    content_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[BulkInviteStatus] = mapped_column(String(20), default=BulkInviteStatus.PREVIEW)
    started_at: Mapped[datetime | None]
    # When a batch last ran: a list sending with no batch for a while lost its job (a worker
    # died, the database was away) and the sweep queues the next batch again.
    progressed_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    created_by: Mapped[User] = relationship(lazy="raise")


class BulkInviteRow(Base):
    __tablename__ = "bulk_invite_rows"
    __table_args__ = (
        UniqueConstraint("bulk_invite_id", "line"),
        Index("ix_bulk_invite_rows_bulk_invite_id_state_line", "bulk_invite_id", "state", "line"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bulk_invite_id: Mapped[int] = mapped_column(ForeignKey("bulk_invites.id", ondelete="CASCADE"))
    line: Mapped[int]  # the row's line in the file, as the marketer's spreadsheet counts them
    email: Mapped[str] = mapped_column(String(320))
    display_name: Mapped[str] = mapped_column(String(120), default="")
    company: Mapped[str] = mapped_column(String(200), default="")
    job_title: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(16), default="")
    group_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    group_names: Mapped[str] = mapped_column(String(500), default="")  # as typed, for the preview
    opening_points: Mapped[int] = mapped_column(default=0)
    state: Mapped[BulkRowState] = mapped_column(String(20))
    problem: Mapped[str] = mapped_column(String(300), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
