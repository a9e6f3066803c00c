"""What every part of challenges shares: the reasons an entry is refused, and which challenges are
open and visible to a person."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import or_

from portal.challenges.models import (
    Challenge,
    ChallengeGroup,
    ChallengeStatus,
    ChallengeType,
    SubmissionStatus,
)
from portal.errors import Conflict, PortalError
from portal.i18n import N_, gettext
from portal.people.models import User
from portal.people.targeting import visible_to
from portal.points.models import BadgeRule

HELD = (SubmissionStatus.PENDING, SubmissionStatus.APPROVED)  # statuses that take a slot
BADGE_COUNTS = ((BadgeRule.CHALLENGES_5, 5), (BadgeRule.CHALLENGES_25, 25))


class CannotSubmit(StrEnum):
    NOT_OPEN = "not_open"
    NOT_STARTED = "not_started"
    ENDED = "ended"
    LIMIT_REACHED = "limit_reached"
    FULL = "full"
    PENDING = "pending"
    BY_REFERRING = "by_referring"
    BY_USING = "by_using"


MESSAGES = {
    CannotSubmit.NOT_OPEN: N_("This challenge is no longer open."),
    CannotSubmit.NOT_STARTED: N_("This challenge hasn't started yet."),
    CannotSubmit.ENDED: N_("This challenge has ended."),
    CannotSubmit.LIMIT_REACHED: N_("You have completed this challenge as often as it allows."),
    CannotSubmit.FULL: N_("Sorry, every place in this challenge is taken."),
    CannotSubmit.PENDING: N_("Your last entry is waiting for review."),
    CannotSubmit.BY_REFERRING: N_("This challenge completes when you refer someone."),
    CannotSubmit.BY_USING: N_("This challenge completes when you open its content item."),
}


class SubmitRefused(Conflict):
    def __init__(self, reason: CannotSubmit) -> None:
        self.reason = reason
        super().__init__(MESSAGES[reason])


class ImageRefused(PortalError):
    status_code = 422


class AlreadyDecided(Conflict):
    def __init__(self, status: str) -> None:
        super().__init__(
            gettext("This submission was already %(status)s.") % {"status": gettext(status)}
        )


def challenge_visible_to(user: User) -> Any:
    return visible_to(
        user,
        is_targeted=Challenge.is_targeted,
        thing_id=Challenge.id,
        link_thing_id=ChallengeGroup.challenge_id,
        link_group_id=ChallengeGroup.group_id,
        staff_see_all=False,
    )


def is_open(now: datetime) -> Any:
    return (
        (Challenge.status == ChallengeStatus.PUBLISHED)
        & or_(Challenge.starts_at.is_(None), Challenge.starts_at <= now)
        & or_(Challenge.ends_at.is_(None), Challenge.ends_at > now)
    )


def completed_by_doing(challenge: Challenge) -> CannotSubmit:
    """Why a challenge has no form: it completes when the person refers or uses the item."""
    if challenge.type == ChallengeType.REFER:
        return CannotSubmit.BY_REFERRING
    return CannotSubmit.BY_USING
