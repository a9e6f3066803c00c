"""My badges: the ones a person holds (with a staff member's note) and the ones still to earn,
with how far they are on those that count something ("3 of 5 challenges", "1,360 of 2,000
points", "12 of 25 replies"). Reads the points engine, the challenges a person completed and
their community participation."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from portal.challenges import service as challenges
from portal.clock import utcnow
from portal.community import service as community
from portal.people.models import User
from portal.points import service as points
from portal.points.models import Badge, BadgeRule

# What a rule with no count says about how it is earned.
HOW_EARNED = {
    BadgeRule.CUSTOM: "Awarded by the program team.",
    BadgeRule.FIRST_REFERRAL: "Refer someone.",
    BadgeRule.FIRST_WON_REFERRAL: "A referral of yours becomes a customer.",
    BadgeRule.FIRST_DOWNLOAD: "Open a content item.",
}
# What a community badge counts, and how to earn it ("%d": how many it takes).
COMMUNITY_UNITS = {
    community.Measure.TOPICS: ("topics", "Start %d topics in the Community."),
    community.Measure.REPLIES: ("replies", "Write %d replies in others' Community topics."),
    community.Measure.ANSWERS: ("answers", "Have %d of your replies marked as the answer."),
    community.Measure.HELPFUL: ("helpfuls", "Receive %d “helpful” reactions on your posts."),
}


@dataclass(frozen=True)
class Progress:
    done: int
    target: int
    unit: str  # "challenges", "points"

    @property
    def percent(self) -> int:
        return min(100, self.done * 100 // self.target) if self.target else 100

    @property
    def text(self) -> str:
        return f"{min(self.done, self.target):,} of {self.target:,} {self.unit}"


@dataclass(frozen=True)
class HeldBadge:
    badge: Badge
    awarded_at: datetime
    note: str  # a staff member's note, when one awarded it


@dataclass(frozen=True)
class OpenBadge:
    badge: Badge
    progress: Progress | None  # None: nothing to count
    how: str


@dataclass(frozen=True)
class BadgeBoard:
    held: list[HeldBadge]
    open: list[OpenBadge]
    streak: points.StreakStatus


async def badge_board(session: AsyncSession, user: User, *, program_zone: str) -> BadgeBoard:
    held = await points.badges_of(session, user)
    held_ids = {h.badge_id for h in held}
    waiting = [
        b for b in await points.cached_badges(session) if b.is_active and b.id not in held_ids
    ]
    counts = dict(challenges.BADGE_COUNTS)
    completed = (
        await challenges.completed_count(session, user)
        if any(b.rule in counts for b in waiting)
        else 0
    )
    taking_part = (
        await community.participation_of(session, user)
        if any(b.rule in community.BADGE_COUNTS for b in waiting)
        else community.Participation()
    )
    balance = await points.balance_of(session, user)
    lifetime = balance.lifetime
    standing = (await points.standing_of(session, balance)).level
    levels = {level.id: level for level in await points.cached_levels(session)}
    streak = points.streak_status(balance.streak, user, now=utcnow(), program_zone=program_zone)
    open_badges = []
    for badge in waiting:
        progress, how = None, HOW_EARNED.get(BadgeRule(badge.rule), badge.description)
        if badge.rule in counts:
            progress = Progress(completed, counts[BadgeRule(badge.rule)], "challenges")
            how = f"Complete {counts[BadgeRule(badge.rule)]} challenges."
        elif badge.rule == BadgeRule.LEVEL_REACHED and (level := levels.get(badge.level_id or 0)):
            progress = Progress(lifetime, level.min_points, "points")
            how = f"Reach {level.name}: earn {level.min_points:,} points in all."
            if standing is not None and standing.min_points >= level.min_points:
                # A floor level gives the level's perks; its badge marks the points earned.
                how = (
                    f"The program team keeps you at {standing.name}; this badge comes with"
                    f" {level.min_points:,} points earned in all."
                )
        elif counted := community.BADGE_COUNTS.get(BadgeRule(badge.rule)):
            measure, target = counted
            unit, how_to = COMMUNITY_UNITS[measure]
            progress, how = Progress(taking_part.of(measure), target, unit), how_to % target
        elif weeks := points.STREAK_BADGE_WEEKS.get(BadgeRule(badge.rule)):
            progress = Progress(streak.current, weeks, "weeks")
            how = f"Earn points {weeks} weeks in a row (a week starts on Monday)."
        open_badges.append(OpenBadge(badge, progress, how))
    return BadgeBoard(
        held=[HeldBadge(h.badge, h.awarded_at, h.note if h.awarded_by_id else "") for h in held],
        open=open_badges,
        streak=streak,
    )
