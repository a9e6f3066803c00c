"""The event types an endpoint can subscribe to: the public face of `portal.events`."""

from dataclasses import dataclass

# Bumped when a payload's shape changes in a way a receiver would notice; every body carries it.
PAYLOAD_VERSION = "2026-12-01"
TEST_EVENT = "webhook.test"


@dataclass(frozen=True)
class EventType:
    name: str
    description: str


CATALOGUE = [
    EventType("referral.created", "An advocate referred someone (form, link, API or import)."),
    EventType("referral.stage_changed", "A referral moved to another stage."),
    EventType("submission.approved", "A challenge entry was approved."),
    EventType("submission.rejected", "A challenge entry was declined."),
    EventType("redemption.requested", "An advocate redeemed a reward."),
    EventType("redemption.status_changed", "A redemption was approved, fulfilled or declined."),
    EventType("advocate.joined", "A person's account became active."),
    EventType("advocate.level_reached", "An advocate reached a new level."),
    EventType("points.awarded", "Points reached an advocate's balance."),
    EventType("event.recorded", "Another system reported an act of advocacy."),
]
NAMES = frozenset(event_type.name for event_type in CATALOGUE)
