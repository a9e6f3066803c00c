"""Streaks: weeks in a row in which a person was awarded points, each week from Monday 00:00 in
the person's own zone. Kept on the balance row by the award that opens a new week (never by
reading the ledger): every `streak_freeze_weeks` weeks of a streak earn a freeze (one held at a
time) that carries the streak over one week without an award. Streak badges (4, 12, 26, 52
weeks) go to a person whose streak reaches their weeks."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal import i18n, links, zones
from portal.i18n import gettext as _
from portal.i18n import ngettext
from portal.notifications import service as notifications
from portal.people.models import User
from portal.points.models import Badge, BadgeRule, Balance, UserBadge
from portal.points.service.badges import award_badge
from portal.points.service.rules import rules_once

# A freeze saves one missed week: a second one earned while one is held is not banked.
MAX_FREEZES = 1
STREAK_BADGE_WEEKS = {
    BadgeRule.STREAK_4: 4,
    BadgeRule.STREAK_12: 12,
    BadgeRule.STREAK_26: 26,
    BadgeRule.STREAK_52: 52,
}


@dataclass(frozen=True)
class Streak:
    """What the balance row keeps: the Monday of the last week with an award, the weeks of the
    streak as of that week, the longest streak, and the freezes held."""

    week: date | None = None
    weeks: int = 0
    best: int = 0
    freezes: int = 0

    def advanced(self, week: date, freeze_every: int) -> "Streak":
        """The streak after an award in `week`. A week already counted changes nothing; a gap
        of missed weeks that the freezes held cannot cover starts the streak over at 1."""
        if self.week is not None and week <= self.week:
            return self
        missed = (week - self.week).days // 7 - 1 if self.week else 0
        if self.week is None or missed > self.freezes:
            weeks, freezes = 1, 0
        else:
            weeks, freezes = self.weeks + 1, self.freezes - missed
        if weeks % freeze_every == 0:
            freezes = min(MAX_FREEZES, freezes + 1)
        return Streak(week, weeks, max(self.best, weeks), freezes)

    def status(self, this_week: date) -> "StreakStatus":
        """How the streak stands in `this_week`: alive while the weeks missed since its last
        award are no more than the freezes held (this week is still open to earn in)."""
        if self.week is None:
            return StreakStatus(0, self.best, self.freezes, earned_this_week=False, missed=0)
        missed = max(0, (this_week - self.week).days // 7 - 1)
        alive = missed <= self.freezes
        return StreakStatus(
            self.weeks if alive else 0,
            self.best,
            self.freezes if alive else 0,
            earned_this_week=self.week == this_week,
            missed=missed if alive else 0,
        )


@dataclass(frozen=True)
class StreakStatus:
    current: int
    best: int
    freezes: int
    earned_this_week: bool
    missed: int  # weeks a freeze will cover when the person earns this week

    @property
    def hint(self) -> str:
        if self.earned_this_week:
            return _("You earned points this week: your streak is safe until Sunday.")
        if self.current == 0:
            return _("Earn points this week to start a streak.")
        if self.missed:
            return _("Earn points this week: your freeze covers the week you missed.")
        return _("Earn points this week to keep your streak.")


def week_of(moment: datetime, zone: tzinfo) -> date:
    """The Monday of the week `moment` falls in, in `zone`."""
    day = moment.astimezone(zone).date()
    return day - timedelta(days=day.weekday())


def person_zone(user: User, program_zone: str) -> tzinfo:
    return zones.person_zone(user.time_zone, program_zone)


async def note_award(
    session: AsyncSession,
    user: User,
    kept: Streak,
    *,
    moment: datetime,
    program_zone: str,
) -> None:
    """Advances the streak the balance row `kept` for an award at `moment`: one UPDATE, only
    for the first award of a week (the ledger's balance UPDATE has locked the row already).
    Any later award of the week reads and writes nothing."""
    week = week_of(moment, person_zone(user, program_zone))
    if kept.week is not None and week <= kept.week:
        return
    streak = kept.advanced(week, (await rules_once(session)).streak_freeze_weeks)
    await session.execute(
        update(Balance)
        .where(Balance.user_id == user.id)
        .values(
            streak_week=streak.week,
            streak_weeks=streak.weeks,
            best_streak_weeks=streak.best,
            streak_freezes=streak.freezes,
        )
        .execution_options(synchronize_session=False)
    )
    await _tell_of_freezes(session, user, kept, streak)
    if streak.weeks >= min(STREAK_BADGE_WEEKS.values()):
        await _award_streak_badges(session, user, streak.weeks)


async def _tell_of_freezes(session: AsyncSession, user: User, kept: Streak, streak: Streak) -> None:
    """A notification when a freeze carried the streak over a missed week, and when the
    streak earned one, in the person's language (the bell shows it as written)."""
    assert streak.week is not None  # noqa: S101 (an advanced streak has a week)
    continued = kept.week is not None and streak.weeks == kept.weeks + 1
    used = (streak.week - kept.week).days // 7 - 1 if continued and kept.week else 0
    earned = streak.freezes > kept.freezes - used
    with i18n.using(i18n.choose(own=user.language)):
        if used:
            await notifications.notify(
                session,
                user_id=user.id,
                kind="streak_freeze_used",
                title=_("Your streak freeze saved your streak"),
                body=ngettext(
                    "You missed a week; your freeze carried your streak on to %(num)d week.",
                    "You missed a week; your freeze carried your streak on to %(num)d weeks.",
                    streak.weeks,
                )
                % {"num": streak.weeks},
                link=links.path_for("badges"),
            )
        if earned:
            await notifications.notify(
                session,
                user_id=user.id,
                kind="streak_freeze_earned",
                title=_("You earned a streak freeze"),
                body=_("If you miss a week, it keeps your streak going."),
                link=links.path_for("badges"),
            )


async def _award_streak_badges(session: AsyncSession, user: User, weeks: int) -> None:
    """The program's active streak badges for `weeks` or fewer that the person lacks: also
    those created after their streak passed the badge's weeks."""
    reached = [rule for rule, needed in STREAK_BADGE_WEEKS.items() if needed <= weeks]
    held = select(UserBadge.badge_id).where(UserBadge.user_id == user.id)
    badges = await session.scalars(
        select(Badge)
        .where(Badge.rule.in_(reached), Badge.is_active.is_(True), Badge.id.not_in(held))
        .order_by(Badge.id)
    )
    for badge in badges:
        await award_badge(session, user=user, badge=badge)


def streak_status(streak: Streak, user: User, *, now: datetime, program_zone: str) -> StreakStatus:
    return streak.status(week_of(now, person_zone(user, program_zone)))
