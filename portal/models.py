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
from portal.challenges.models import Challenge, ChallengeGroup, Dismissal, Submission
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
from portal.referrals.models import Referral, ReferralClick, ReferralEvent, ReferralNote
from portal.rewards.models import Redemption, Reward, RewardCode, RewardGroup

__all__ = [
    "AuditEntry",
    "Badge",
    "Balance",
    "Base",
    "Challenge",
    "ChallengeGroup",
    "Dismissal",
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
    "Redemption",
    "Referral",
    "ReferralClick",
    "ReferralEvent",
    "ReferralNote",
    "Reward",
    "RewardCode",
    "RewardGroup",
    "Submission",
    "User",
    "UserBadge",
    "UserRole",
]
