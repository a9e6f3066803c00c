"""What an advocate sees: challenge cards by tab, a challenge's page, dismissing and restoring."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from portal.challenges.models import (
    BY_DOING,
    Challenge,
    ChallengeStatus,
    ChallengeType,
    Dismissal,
    Submission,
)
from portal.challenges.service.rules import (
    MESSAGES,
    CannotSubmit,
    challenge_visible_to,
    completed_by_doing,
)
from portal.clock import utcnow
from portal.errors import NotFound
from portal.i18n import _, gettext, ngettext, number
from portal.people.models import User

# --- what an advocate sees -------------------------------------------------------------------


@dataclass(frozen=True)
class Mine:
    """The viewer's submissions to one challenge, by status."""

    pending: int = 0
    approved: int = 0
    rejected: int = 0

    @property
    def held(self) -> int:
        return self.pending + self.approved


@dataclass(frozen=True)
class Card:
    challenge: Challenge
    mine: Mine
    dismissed: bool
    blocked: CannotSubmit | None

    @property
    def ends_in(self) -> str:
        return ends_in(self.challenge.ends_at)

    @property
    def show_progress(self) -> bool:
        return self.challenge.max_per_user > 1


def ends_in(ends_at: datetime | None, *, now: datetime | None = None) -> str:
    if ends_at is None:
        return ""
    left = ends_at - (now or utcnow())
    if left.total_seconds() <= 0:
        return _("Ended")
    if left.days >= 2:
        return _("Ends in %(count)s days") % {"count": number(left.days)}
    hours = int(left.total_seconds() // 3600)
    if hours >= 1:
        return ngettext("Ends in %(count)s hour", "Ends in %(count)s hours", hours) % {
            "count": number(hours)
        }
    return _("Ends in less than an hour")


def why_cannot_submit(
    challenge: Challenge, mine: Mine, *, now: datetime | None = None
) -> CannotSubmit | None:
    now = now or utcnow()
    if challenge.status != ChallengeStatus.PUBLISHED:
        return CannotSubmit.NOT_OPEN
    if challenge.starts_at is not None and challenge.starts_at > now:
        return CannotSubmit.NOT_STARTED
    if challenge.ends_at is not None and challenge.ends_at <= now:
        return CannotSubmit.ENDED
    if mine.held >= challenge.max_per_user:
        return CannotSubmit.PENDING if mine.pending else CannotSubmit.LIMIT_REACHED
    if challenge.max_total is not None and challenge.taken >= challenge.max_total:
        return CannotSubmit.FULL
    return None


class Tab(StrEnum):
    AVAILABLE = "available"
    PENDING = "pending"
    COMPLETED = "completed"
    DISMISSED = "dismissed"


async def _mine(session: AsyncSession, user: User, ids: list[int]) -> dict[int, Mine]:
    rows = (
        await session.execute(
            select(Submission.challenge_id, Submission.status, func.count())
            .where(Submission.user_id == user.id, Submission.challenge_id.in_(ids))
            .group_by(Submission.challenge_id, Submission.status)
        )
    ).all()
    counts: dict[int, dict[str, int]] = {}
    for challenge_id, status, count in rows:
        counts.setdefault(challenge_id, {})[str(status)] = count
    return {cid: Mine(**c) for cid, c in counts.items()}


async def cards(
    session: AsyncSession, *, viewer: User, tab: Tab, type: ChallengeType | None = None
) -> list[Card]:
    """The viewer's challenges on one tab. Available: open, not dismissed, and not used up by
    the viewer; Pending: an entry waits for review; Completed: at least one approved."""
    now = utcnow()
    query = select(Challenge).where(
        Challenge.status != ChallengeStatus.DRAFT, challenge_visible_to(viewer)
    )
    if type is not None:
        query = query.where(Challenge.type == type)
    challenges = list(
        await session.scalars(query.order_by(Challenge.ends_at.is_(None), Challenge.ends_at))
    )
    ids = [c.id for c in challenges]
    mine = await _mine(session, viewer, ids)
    dismissed = set(
        await session.scalars(
            select(Dismissal.challenge_id).where(
                Dismissal.user_id == viewer.id, Dismissal.challenge_id.in_(ids)
            )
        )
    )
    result = []
    for challenge in challenges:
        own = mine.get(challenge.id, Mine())
        card = Card(
            challenge, own, challenge.id in dismissed, why_cannot_submit(challenge, own, now=now)
        )
        if _on_tab(card, tab):
            result.append(card)
    return result


def _on_tab(card: Card, tab: Tab) -> bool:
    if tab == Tab.PENDING:
        return card.mine.pending > 0
    if tab == Tab.COMPLETED:
        return card.mine.approved > 0
    is_open = card.blocked in (None, CannotSubmit.BY_REFERRING, CannotSubmit.BY_USING)
    if tab == Tab.DISMISSED:
        return card.dismissed and is_open
    return is_open and not card.dismissed


@dataclass(frozen=True)
class ChallengeView:
    challenge: Challenge
    mine: Mine
    submissions: list[Submission]
    dismissed: bool
    blocked: CannotSubmit | None

    @property
    def blocked_message(self) -> str:
        return gettext(MESSAGES[self.blocked]) if self.blocked else ""

    @property
    def ends_in(self) -> str:
        return ends_in(self.challenge.ends_at)


async def access_challenge(
    session: AsyncSession, *, viewer: User, challenge_id: int
) -> ChallengeView:
    """A challenge the viewer may see: published or archived, and targeted at them (anything
    else answers 404, so existence is not leaked)."""
    challenge = await session.scalar(
        select(Challenge).where(
            Challenge.id == challenge_id,
            Challenge.status != ChallengeStatus.DRAFT,
            challenge_visible_to(viewer),
        )
    )
    if challenge is None:
        raise NotFound()
    return await _view(session, viewer, challenge)


async def _view(session: AsyncSession, viewer: User, challenge: Challenge) -> ChallengeView:
    submissions = list(
        await session.scalars(
            select(Submission)
            .where(Submission.challenge_id == challenge.id, Submission.user_id == viewer.id)
            .order_by(Submission.id.desc())
        )
    )
    mine = Mine(
        **{
            s: sum(1 for x in submissions if x.status == s)
            for s in ("pending", "approved", "rejected")
        }
    )
    dismissed = await _is_dismissed(session, viewer, challenge.id)
    blocked = why_cannot_submit(challenge, mine)
    if blocked is None and challenge.type in BY_DOING:
        blocked = completed_by_doing(challenge)
    return ChallengeView(challenge, mine, submissions, dismissed, blocked)


async def _is_dismissed(session: AsyncSession, user: User, challenge_id: int) -> bool:
    found = await session.scalar(
        select(Dismissal.challenge_id).where(
            Dismissal.challenge_id == challenge_id, Dismissal.user_id == user.id
        )
    )
    return found is not None


async def preview_challenge(
    session: AsyncSession, *, staff: User, challenge_id: int
) -> ChallengeView:
    """The advocate's page of any challenge (drafts too), as the marketer would see it."""
    challenge = await session.get(Challenge, challenge_id)
    if challenge is None:
        raise NotFound()
    return await _view(session, staff, challenge)


# --- dismissing ------------------------------------------------------------------------------


async def dismiss_challenge(session: AsyncSession, *, user: User, challenge_id: int) -> None:
    await access_challenge(session, viewer=user, challenge_id=challenge_id)
    if not await _is_dismissed(session, user, challenge_id):
        try:
            async with session.begin_nested():
                session.add(Dismissal(challenge_id=challenge_id, user_id=user.id))
                await session.flush()
        except IntegrityError:  # dismissed twice at once: once is enough
            pass


async def restore_challenge(session: AsyncSession, *, user: User, challenge_id: int) -> None:
    await access_challenge(session, viewer=user, challenge_id=challenge_id)
    await session.execute(
        delete(Dismissal)
        .where(Dismissal.challenge_id == challenge_id, Dismissal.user_id == user.id)
        .execution_options(synchronize_session=False)
    )
