"""Signing in: invitations, password resets, failed sign-ins, two-factor sign-in and single
sign-on providers with the identities linked to them (people live in portal.people)."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.db import Base
from portal.people.models import Role, User


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
    # Custom profile field answers, normalised, by the field's id as text (JSON keys are text).
    answers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    state: Mapped[BulkRowState] = mapped_column(String(20))
    problem: Mapped[str] = mapped_column(String(300), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class SsoProvider(Base):
    """An OpenID Connect provider people may sign in with (Manage → Sign-in providers)."""

    __tablename__ = "sso_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    # In the redirect URI registered at the provider (/login/sso/<slug>/callback): never changes.
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    preset: Mapped[str] = mapped_column(String(20), default="generic")
    discovery_url: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(200))
    # Kept readable: the token call sends the secret itself.
    client_secret: Mapped[str] = mapped_column(String(500), default="")
    # Space-separated lower-case domains; empty allows any address.
    allowed_domains: Mapped[str] = mapped_column(String(1000), default="")
    # Addresses at these domains count as verified even without `email_verified` (Entra ID).
    authoritative_domains: Mapped[str] = mapped_column(String(1000), default="")
    roles: Mapped[str] = mapped_column(String(200), default="advocate")  # space-separated
    group_claim: Mapped[str] = mapped_column(String(200), default="")
    # [{"value": "<claim value>", "group_id": 3}, ...]
    group_map: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    enabled: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def allowed_domain_list(self) -> list[str]:
        return self.allowed_domains.split()

    @property
    def authoritative_domain_list(self) -> list[str]:
        return self.authoritative_domains.split()

    @property
    def role_set(self) -> set[Role]:
        names = self.roles.split()
        return {role for role in Role if role.value in names}


class SsoIdentity(Base):
    """A person's account at a provider: the ID token's (issuer, subject) pair, which never
    changes or moves to someone else, unlike an email address."""

    __tablename__ = "sso_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("sso_providers.id", ondelete="SET NULL"), index=True
    )
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(320), default="")  # as asserted when linked
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)

    provider: Mapped[SsoProvider | None] = relationship(lazy="raise")
