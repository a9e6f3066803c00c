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
from portal.db import Base
from portal.outbox.models import OutboxEmail
from portal.program.models import ProgramSetting

__all__ = [
    "AuditEntry",
    "Base",
    "Group",
    "GroupMember",
    "Invitation",
    "LoginFailure",
    "OutboxEmail",
    "PasswordReset",
    "ProgramSetting",
    "User",
    "UserRole",
]
