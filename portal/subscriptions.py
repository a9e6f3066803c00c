"""Which subscriber listens to which event: the one place where a domain's reaction to another's
news is wired (see `portal.events`). The app, the worker and demo seeding install it at start;
installing again replaces, never doubles, the subscriptions."""

from portal import events
from portal.challenges import subscribers as challenges
from portal.referrals.service import landing as referrals
from portal.segments import subscribers as segments


def install() -> None:
    events.clear()
    events.on(events.AssetUsed, challenges.complete_asset_challenges)
    events.on(events.ReferralSubmitted, challenges.complete_refer_challenges)
    events.on(events.ShareLinkVisited, referrals.count_share_page_visit)
    events.on(events.AdvocateJoined, segments.person_changed)
    events.on(events.LevelReached, segments.person_changed)
    events.on(events.PointsAwarded, segments.person_changed)
    events.on(events.ReferralSubmitted, segments.referrer_changed)
    events.on(events.ReferralStageChanged, segments.referrer_changed)
