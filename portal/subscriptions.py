"""Which subscriber listens to which event: the one place where a domain's reaction to another's
news is wired (see `portal.events`). The app, the worker and demo seeding install it at start;
installing again replaces, never doubles, the subscriptions."""

from portal import events
from portal.challenges import subscribers as challenges
from portal.directory import audience as people_audience
from portal.points.service import activity as points_activity
from portal.points.service import periods as points_periods
from portal.referrals.service import landing as referrals
from portal.referrals.service import recruiting
from portal.rewards.service import friends as reward_friends
from portal.segments import subscribers as segments
from portal.trust_scoring import subscribers as trust
from portal.webhooks import subscribers as webhooks


def install() -> None:
    events.clear()
    events.on(events.AssetUsed, challenges.complete_asset_challenges)
    events.on(events.PersonVisited, points_activity.note_visit)
    events.on(events.ProgramZoneChanged, points_periods.rekey_recent_periods)
    events.on(events.ReferralSubmitted, challenges.complete_refer_challenges)
    events.on(events.ShareLinkVisited, referrals.count_share_page_visit)
    events.on(events.BroadcastStarting, people_audience.resolve_saved_view)
    events.on(events.FriendRewardDue, reward_friends.give_friend_reward)
    # Recruiting: the recruit is written down before the join bonus that reads it.
    events.on(events.RecruitSignedUp, recruiting.record_recruit)
    events.on(events.AdvocateJoined, recruiting.recruit_joined)
    events.on(events.ReferralStageChanged, recruiting.recruit_won)
    events.on(events.PointsAwarded, recruiting.recruit_earned)
    # Webhooks: each event's deliveries are written in its transaction, sent after the commit.
    events.on(events.ReferralSubmitted, webhooks.referral_created)
    events.on(events.ReferralStageChanged, webhooks.referral_stage_changed)
    events.on(events.SubmissionDecided, webhooks.submission_decided)
    events.on(events.RedemptionChanged, webhooks.redemption_changed)
    events.on(events.AdvocateJoined, webhooks.advocate_joined)
    events.on(events.LevelReached, webhooks.level_reached)
    events.on(events.PointsAwarded, webhooks.points_awarded)
    events.on(events.AdvocacyEventRecorded, webhooks.advocacy_event_recorded)
    events.on(events.AdvocateJoined, segments.person_changed)
    events.on(events.LevelReached, segments.person_changed)
    events.on(events.PointsAwarded, segments.person_changed)
    events.on(events.ProfileChanged, segments.person_changed)
    events.on(events.ReferralSubmitted, segments.referrer_changed)
    events.on(events.ReferralStageChanged, segments.referrer_changed)
    # Trust scores follow the history they are computed from, in the same transaction.
    events.on(events.SubmissionDecided, trust.person_changed)
    events.on(events.AdvocateJoined, trust.person_changed)
    events.on(events.SignedInWithSso, trust.person_changed)
    events.on(events.ReferralSubmitted, trust.referrer_changed)
    events.on(events.ReferralStageChanged, trust.referrer_changed)
