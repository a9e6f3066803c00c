"""Imports every domain's models so Alembic and the mapper see all tables (nothing else)."""

from portal.audit.models import AuditEntry
from portal.auth.models import Invitation, LoginFailure, PasswordReset, RecoveryCode, TwoFactor
from portal.challenges.models import Challenge, ChallengeGroup, Dismissal, Submission
from portal.content.models import Asset, AssetGroup, AssetTag, AssetUse
from portal.db import Base
from portal.engagement.models import Nudge, SequenceStep
from portal.jobs import CronRun
from portal.messages.models import (
    Broadcast,
    BroadcastGroup,
    BroadcastPerson,
    Delivery,
    MessageTemplate,
)
from portal.notifications.models import Notification
from portal.outbox.models import EmailOptOut, EmailText, OutboxEmail
from portal.people.models import Group, GroupMember, User, UserRole, UserSession
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
    "Asset",
    "AssetGroup",
    "AssetTag",
    "AssetUse",
    "AuditEntry",
    "Badge",
    "Balance",
    "Base",
    "Broadcast",
    "BroadcastGroup",
    "BroadcastPerson",
    "Challenge",
    "ChallengeGroup",
    "CronRun",
    "Delivery",
    "Dismissal",
    "EmailOptOut",
    "EmailText",
    "FeedItem",
    "Group",
    "GroupMember",
    "Invitation",
    "LedgerEntry",
    "Level",
    "LevelReached",
    "LoginFailure",
    "MessageTemplate",
    "Notification",
    "Nudge",
    "OutboxEmail",
    "PasswordReset",
    "PeriodTotal",
    "ProgramSetting",
    "RecoveryCode",
    "Redemption",
    "Referral",
    "ReferralClick",
    "ReferralEvent",
    "ReferralNote",
    "Reward",
    "RewardCode",
    "RewardGroup",
    "SequenceStep",
    "Submission",
    "TwoFactor",
    "User",
    "UserBadge",
    "UserRole",
    "UserSession",
]
