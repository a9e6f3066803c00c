"""Page objects: one class per page, with the locators and small actions a person uses."""

from tests.browser.pages.challenges import (
    ApprovalsPage,
    ChallengeForm,
    ChallengePage,
    ChallengesPage,
    ManageChallengesPage,
)
from tests.browser.pages.community import CommunityPage, TopicPage
from tests.browser.pages.content import AssetPage, ContentPage, ManageContentPage
from tests.browser.pages.home import HomePage
from tests.browser.pages.invitation import AcceptInvitationPage, LinkInvalidPage
from tests.browser.pages.layout import Layout
from tests.browser.pages.login import LoginPage
from tests.browser.pages.outbox import EmailPage, OutboxPage
from tests.browser.pages.people import InvitePage, PeoplePage
from tests.browser.pages.referrals import (
    MyReferralsPage,
    PipelinePage,
    ReferFriendPage,
    ReferralPage,
)
from tests.browser.pages.reports import ReportsPage
from tests.browser.pages.rewards import QueuePage, RedeemPage, RedemptionPage, RewardsPage

__all__ = [
    "AcceptInvitationPage",
    "ApprovalsPage",
    "AssetPage",
    "ChallengeForm",
    "ChallengePage",
    "ChallengesPage",
    "CommunityPage",
    "ContentPage",
    "EmailPage",
    "HomePage",
    "InvitePage",
    "Layout",
    "LinkInvalidPage",
    "LoginPage",
    "ManageChallengesPage",
    "ManageContentPage",
    "MyReferralsPage",
    "OutboxPage",
    "PeoplePage",
    "PipelinePage",
    "QueuePage",
    "RedeemPage",
    "RedemptionPage",
    "ReferFriendPage",
    "ReferralPage",
    "ReportsPage",
    "RewardsPage",
    "TopicPage",
]
