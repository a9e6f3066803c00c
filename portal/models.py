"""Imports every domain's models so Alembic and the mapper see all tables (nothing else)."""

from portal.audit.models import AuditEntry
from portal.auth.models import (
    Group,
    GroupMember,
    Invitation,
    LoginFailure,
    PasswordReset,
    User,
    UserRole,
)
from portal.content.models import Asset, AssetGroup, AssetTag, AssetUse
from portal.db import Base
from portal.notifications.models import Notification
from portal.outbox.models import OutboxEmail
from portal.points.models import (
    Badge,
    Balance,
    FeedItem,
    LedgerEntry,
    Level,
    LevelReached,
    PeriodTotal,
    UserBadge,
)
from portal.program.models import ProgramSetting

__all__ = [
    "Asset",
    "AssetGroup",
    "AssetTag",
    "AssetUse",
    "AuditEntry",
    "Badge",
    "Balance",
    "Base",
    "FeedItem",
    "Group",
    "GroupMember",
    "Invitation",
    "LedgerEntry",
    "Level",
    "LevelReached",
    "LoginFailure",
    "Notification",
    "OutboxEmail",
    "PasswordReset",
    "PeriodTotal",
    "ProgramSetting",
    "User",
    "UserBadge",
    "UserRole",
]
