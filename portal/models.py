"""Imports every domain's models so Alembic and the mapper see all tables (nothing else)."""

from portal.advocacy.models import EventType, RecordedEvent
from portal.api_tokens.models import ApiRateWindow, ApiToken
from portal.audit.models import AuditEntry
from portal.auth.models import (
    Invitation,
    LoginFailure,
    PasswordReset,
    RecoveryCode,
    SsoIdentity,
    SsoProvider,
    TwoFactor,
)
from portal.challenges.models import Challenge, ChallengeGroup, Dismissal, Submission
from portal.community.models import (
    Category,
    CategoryFollow,
    CategoryGroup,
    DailyPoints,
    Flag,
    Mention,
    Post,
    Reaction,
    Revision,
    Topic,
    TopicMute,
)
from portal.content.models import Asset, AssetGroup, AssetTag, AssetUse
from portal.db import Base
from portal.directory.models import BulkRun, BulkRunPerson, SavedView, ViewBroadcast
from portal.engagement.models import Nudge, SequenceStep
from portal.guard.models import PublicFormAttempt
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
from portal.people.models import (
    ActiveReturns,
    DailyActives,
    Group,
    GroupMember,
    ProfileField,
    ProfileValue,
    User,
    UserRole,
    UserSession,
)
from portal.points.models import (
    Badge,
    Balance,
    DailyEarners,
    EarnerReturns,
    FeedItem,
    IssuedDay,
    IssuedMonth,
    LedgerEntry,
    Level,
    LevelReached,
    PeriodTotal,
    UserBadge,
)
from portal.points.season_models import Season, SeasonTotal
from portal.program.models import ProgramSetting
from portal.referrals.models import (
    Campaign,
    CrmStageName,
    Referral,
    ReferralClick,
    ReferralEvent,
    ReferralNote,
    ReferralOrigin,
    ReferralTouch,
)
from portal.reports.models import SummarySubscription
from portal.rewards.models import Redemption, Reward, RewardCode, RewardGroup, RewardLevel
from portal.trust.models import TrustScore
from portal.webhooks.models import WebhookDelivery, WebhookEndpoint

__all__ = [
    "ActiveReturns",
    "ApiRateWindow",
    "ApiToken",
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
    "BulkRun",
    "BulkRunPerson",
    "Campaign",
    "Category",
    "CategoryFollow",
    "CategoryGroup",
    "Challenge",
    "ChallengeGroup",
    "CrmStageName",
    "CronRun",
    "DailyActives",
    "DailyEarners",
    "DailyPoints",
    "Delivery",
    "Dismissal",
    "EarnerReturns",
    "EmailOptOut",
    "EmailText",
    "EventType",
    "FeedItem",
    "Flag",
    "Group",
    "GroupMember",
    "Invitation",
    "IssuedDay",
    "IssuedMonth",
    "LedgerEntry",
    "Level",
    "LevelReached",
    "LoginFailure",
    "Mention",
    "MessageTemplate",
    "Notification",
    "Nudge",
    "OutboxEmail",
    "PasswordReset",
    "PeriodTotal",
    "Post",
    "ProfileField",
    "ProfileValue",
    "ProgramSetting",
    "PublicFormAttempt",
    "Reaction",
    "RecordedEvent",
    "RecoveryCode",
    "Redemption",
    "Referral",
    "ReferralClick",
    "ReferralEvent",
    "ReferralNote",
    "ReferralOrigin",
    "ReferralTouch",
    "Revision",
    "Reward",
    "RewardCode",
    "RewardGroup",
    "RewardLevel",
    "SavedView",
    "Season",
    "SeasonTotal",
    "SequenceStep",
    "SsoIdentity",
    "SsoProvider",
    "Submission",
    "SummarySubscription",
    "Topic",
    "TopicMute",
    "TrustScore",
    "TwoFactor",
    "User",
    "UserBadge",
    "UserRole",
    "UserSession",
    "ViewBroadcast",
    "WebhookDelivery",
    "WebhookEndpoint",
]
