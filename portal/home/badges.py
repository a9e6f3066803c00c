"""My badges: the ones a person holds (with a staff member's note) and the ones still to earn,
with how far they are on those that count something ("3 of 5 challenges", "1,360 of 2,000
points", "12 of 25 replies"). Reads the points engine, the challenges a person completed and
their community participation."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from portal import i18n
from portal.challenges import service as challenges
from portal.clock import utcnow
from portal.community import service as community
from portal.i18n import N_, gettext
from portal.people.models import User
from portal.points import service as points
from portal.points.models import Badge, BadgeRule

# What a rule with no count says about how it is earned.
HOW_EARNED = {
    BadgeRule.CUSTOM: N_("Awarded by the program team."),
    BadgeRule.FIRST_REFERRAL: N_("Refer someone."),
    BadgeRule.FIRST_WON_REFERRAL: N_("A referral of yours becomes a customer."),
    BadgeRule.FIRST_DOWNLOAD: N_("Open a content item."),
}
# "3 of 5 challenges": what a count rule's progress counts.
UNITS = {
    "challenges": N_("%(done)s of %(target)s challenges"),
    "points": N_("%(done)s of %(target)s points"),
    "weeks": N_("%(done)s of %(target)s weeks"),
    "topics": N_("%(done)s of %(target)s topics"),
    "replies": N_("%(done)s of %(target)s replies"),
    "answers": N_("%(done)s of %(target)s answers"),
    "helpfuls": N_("%(done)s of %(target)s “helpful” reactions"),
}
# What a community badge counts, and how to earn it.
COMMUNITY_UNITS = {
    community.Measure.TOPICS: ("topics", N_("Start %(count)s topics in the Community.")),
    community.Measure.REPLIES: (
        "replies",
        N_("Write %(count)s replies in others' Community topics."),
    ),
    community.Measure.ANSWERS: (
        "answers",
        N_("Have %(count)s of your replies marked as the answer."),
    ),
    community.Measure.HELPFUL: (
        "helpfuls",
        N_("Receive %(count)s “helpful” reactions on your posts."),
    ),
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
        return gettext(UNITS[self.unit]) % {
            "done": i18n.number(min(self.done, self.target)),
            "target": i18n.number(self.target),
        }


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
        rule = BadgeRule(badge.rule)
        progress = None
        how = gettext(HOW_EARNED[rule]) if rule in HOW_EARNED else badge.description
        if badge.rule in counts:
            progress = Progress(completed, counts[rule], "challenges")
            how = gettext("Complete %(count)s challenges.") % {"count": counts[rule]}
        elif badge.rule == BadgeRule.LEVEL_REACHED and (level := levels.get(badge.level_id or 0)):
            progress = Progress(lifetime, level.min_points, "points")
            needed = i18n.number(level.min_points)
            how = gettext("Reach %(level)s: earn %(points)s points in all.") % {
                "level": level.name,
                "points": needed,
            }
            if standing is not None and standing.min_points >= level.min_points:
                # A floor level gives the level's perks; its badge marks the points earned.
                how = gettext(
                    "The program team keeps you at %(level)s; this badge comes with %(points)s"
                    " points earned in all."
                ) % {"level": standing.name, "points": needed}
        elif counted := community.BADGE_COUNTS.get(BadgeRule(badge.rule)):
            measure, target = counted
            unit, how_to = COMMUNITY_UNITS[measure]
            progress = Progress(taking_part.of(measure), target, unit)
            how = gettext(how_to) % {"count": i18n.number(target)}
        elif weeks := points.STREAK_BADGE_WEEKS.get(rule):
            progress = Progress(streak.current, weeks, "weeks")
            how = gettext("Earn points %(weeks)s weeks in a row (a week starts on Monday).") % {
                "weeks": weeks
            }
        open_badges.append(OpenBadge(badge, progress, how))
    return BadgeBoard(
        held=[HeldBadge(h.badge, h.awarded_at, h.note if h.awarded_by_id else "") for h in held],
        open=open_badges,
        streak=streak,
    )
