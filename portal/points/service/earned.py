"""What a unit of work earned each person: the awards, badges and levels written in it, kept on
`session.info` as they are written, so the page after an action can say all of it in one
message (a referral that also completes the refer challenge earned both)."""

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from portal.i18n import _, ngettext, number
from portal.people.models import User

INFO_KEY = "points.earned"


@dataclass
class Earned:
    points: int = 0
    badges: list[str] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    pending: int = 0  # awarded but pending (a review, a clearance window): not earned yet

    def __bool__(self) -> bool:
        return bool(self.points or self.badges or self.levels or self.pending)

    @property
    def summary(self) -> str:
        """ "+150 points, the First referral badge and the Advocate level", or "" for nothing."""
        parts = (
            [
                ngettext("+%(num)s point", "+%(num)s points", self.points)
                % {"num": number(self.points)}
            ]
            if self.points
            else []
        )
        parts += [_("the %(name)s badge") % {"name": name} for name in self.badges]
        parts += [_("the %(name)s level") % {"name": name} for name in self.levels]
        if len(parts) < 2:
            return "".join(parts)
        return _("%(items)s and %(last)s") % {"items": ", ".join(parts[:-1]), "last": parts[-1]}

    @property
    def message(self) -> str:
        earned = _("You earned %(what)s.") % {"what": self.summary} if self.summary else ""
        waiting = (
            ngettext(
                "%(num)s point is pending: My points says until when.",
                "%(num)s points are pending: My points says until when.",
                self.pending,
            )
            % {"num": number(self.pending)}
            if self.pending
            else ""
        )
        return " ".join(part for part in (earned, waiting) if part)


def _earned(session: AsyncSession, user_id: int) -> Earned:
    by_user: dict[int, Earned] = session.info.setdefault(INFO_KEY, {})
    return by_user.setdefault(user_id, Earned())


def note_points(session: AsyncSession, user_id: int, points: int) -> None:
    _earned(session, user_id).points += points


def note_pending(session: AsyncSession, user_id: int, points: int) -> None:
    _earned(session, user_id).pending += points


def note_badge(session: AsyncSession, user_id: int, name: str) -> None:
    _earned(session, user_id).badges.append(name)


def note_level(session: AsyncSession, user_id: int, name: str) -> None:
    _earned(session, user_id).levels.append(name)


def earned_by(session: AsyncSession, user: User) -> Earned:
    """Everything `user` earned in this unit of work so far."""
    by_user: dict[int, Earned] = session.info.get(INFO_KEY, {})
    return by_user.get(user.id, Earned())
