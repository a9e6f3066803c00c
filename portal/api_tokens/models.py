from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.db import Base

if TYPE_CHECKING:
    from portal.people.models import User


class Scope(StrEnum):
    REFERRALS_READ = "referrals:read"
    REFERRALS_WRITE = "referrals:write"
    ADVOCATES_READ = "advocates:read"
    ADVOCATES_WRITE = "advocates:write"
    POINTS_WRITE = "points:write"
    REWARDS_READ = "rewards:read"
    REWARDS_WRITE = "rewards:write"
    EVENTS_WRITE = "events:write"
    WEBHOOKS_MANAGE = "webhooks:manage"

    @property
    def writes(self) -> bool:
        return not self.value.endswith(":read")


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    # The secret's first characters, shown in lists and used to find the row; the rest is only
    # ever stored as a hash.
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[str] = mapped_column(String(300))  # Scope values, space-separated
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    last_used_address_hash: Mapped[str | None] = mapped_column(String(64))

    created_by: Mapped["User | None"] = relationship(lazy="raise")

    @property
    def scope_set(self) -> frozenset[Scope]:
        return frozenset(Scope(value) for value in self.scopes.split())

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class ApiRateWindow(Base):
    """Requests per token per minute, for the rate limit when there is no Redis: one row per
    token and minute, counted with an upsert so every worker sees the same count."""

    __tablename__ = "api_rate_windows"

    token_id: Mapped[int] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="CASCADE"), primary_key=True
    )
    minute: Mapped[int] = mapped_column(Integer, primary_key=True)  # minutes since the epoch
    count: Mapped[int] = mapped_column(default=0)
