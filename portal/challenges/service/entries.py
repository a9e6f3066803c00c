"""Challenges: what an advocate may take on, submitting (all or nothing, within every limit),
approving and rejecting (idempotent), dismissing, and what marketers manage."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal.audit import service as audit
from portal.challenges.models import (
    BY_DOING,
    Challenge,
    ChallengeGroup,
    ChallengeStatus,
    ChallengeType,
    Dismissal,
    Submission,
    SubmissionStatus,
)
from portal.clock import utcnow
from portal.errors import Conflict, NotFound, PortalError
from portal.notifications import service as notifications
from portal.outbox import service as outbox
from portal.outbox.models import EmailCategory
from portal.people.models import User
from portal.people.targeting import visible_to
from portal.points import service as points
from portal.points.models import Badge, BadgeRule
from portal.program import service as program

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
    CannotSubmit.NOT_OPEN: "This challenge is no longer open.",
    CannotSubmit.NOT_STARTED: "This challenge hasn't started yet.",
    CannotSubmit.ENDED: "This challenge has ended.",
    CannotSubmit.LIMIT_REACHED: "You have completed this challenge as often as it allows.",
    CannotSubmit.FULL: "Sorry, every place in this challenge is taken.",
    CannotSubmit.PENDING: "Your last entry is waiting for review.",
    CannotSubmit.BY_REFERRING: "This challenge completes when you refer someone.",
    CannotSubmit.BY_USING: "This challenge completes when you open its content item.",
}


class SubmitRefused(Conflict):
    def __init__(self, reason: CannotSubmit) -> None:
        self.reason = reason
        super().__init__(MESSAGES[reason])


class ImageRefused(PortalError):
    status_code = 422


class AlreadyDecided(Conflict):
    def __init__(self, status: str) -> None:
        super().__init__(f"This submission was already {status}.")


def _visible_to(user: User) -> Any:
    return visible_to(
        user,
        is_targeted=Challenge.is_targeted,
        thing_id=Challenge.id,
        link_thing_id=ChallengeGroup.challenge_id,
        link_group_id=ChallengeGroup.group_id,
        staff_see_all=False,
    )


def _is_open(now: datetime) -> Any:
    return (
        (Challenge.status == ChallengeStatus.PUBLISHED)
        & or_(Challenge.starts_at.is_(None), Challenge.starts_at <= now)
        & or_(Challenge.ends_at.is_(None), Challenge.ends_at > now)
    )


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
        return "Ended"
    if left.days >= 2:
        return f"Ends in {left.days} days"
    hours = int(left.total_seconds() // 3600)
    if hours >= 1:
        return f"Ends in {hours} hour{'' if hours == 1 else 's'}"
    return "Ends in less than an hour"


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
    query = select(Challenge).where(Challenge.status != ChallengeStatus.DRAFT, _visible_to(viewer))
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
        return MESSAGES[self.blocked] if self.blocked else ""

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
            _visible_to(viewer),
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
        blocked = _by_doing(challenge)
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


# --- submitting ------------------------------------------------------------------------------


async def submit_entry(
    session: AsyncSession,
    *,
    user: User,
    challenge_id: int,
    key: str,
    response: dict[str, Any],
) -> Submission:
    """Records one completion, all or nothing: takes a slot under `max_total` with a
    conditional update (which also serialises entrants), checks `max_per_user`, and pays at
    once when the challenge approves automatically. The same form key twice returns the
    first submission."""
    view = await access_challenge(session, viewer=user, challenge_id=challenge_id)
    if view.challenge.type in BY_DOING:
        raise SubmitRefused(_by_doing(view.challenge))
    if view.challenge.type == ChallengeType.UPLOAD_IMAGE and not response.get("image"):
        raise ImageRefused("Choose a photo or screenshot to upload.")
    return await _submit(session, user=user, challenge=view.challenge, key=key, response=response)


def _by_doing(challenge: Challenge) -> CannotSubmit:
    if challenge.type == ChallengeType.REFER:
        return CannotSubmit.BY_REFERRING
    return CannotSubmit.BY_USING


async def _earlier(session: AsyncSession, key: str, user: User) -> Submission | None:
    earlier = await session.scalar(select(Submission).where(Submission.request_key == key))
    if earlier is not None and earlier.user_id != user.id:
        raise NotFound()
    return earlier


async def _submit(
    session: AsyncSession,
    *,
    user: User,
    challenge: Challenge,
    key: str,
    response: dict[str, Any],
) -> Submission:
    if (earlier := await _earlier(session, key, user)) is not None:
        return earlier
    try:
        async with session.begin_nested():
            submission = await _take_slot_and_record(
                session, user=user, challenge=challenge, key=key, response=response
            )
    except IntegrityError:  # the same form, twice at once: the first one won
        if (earlier := await _earlier(session, key, user)) is None:
            raise
        return earlier
    if not challenge.needs_review:
        await _approve(session, submission, challenge=challenge, user=user, by=None)
    else:
        await _tell_reviewers(session, submission, challenge=challenge, user=user)
    return submission


async def _tell_reviewers(
    session: AsyncSession, submission: Submission, *, challenge: Challenge, user: User
) -> None:
    """Marketers and admins see each entry waiting for review in their bell."""
    await notifications.notify_program_staff(
        session,
        kind="submission_to_review",
        title=f"{user.display_name} completed “{challenge.title}”: review it",
        link=f"/manage/approvals/?challenge={challenge.id}",
    )


async def _take_slot_and_record(
    session: AsyncSession,
    *,
    user: User,
    challenge: Challenge,
    key: str,
    response: dict[str, Any],
) -> Submission:
    now = utcnow()
    taken = await session.execute(
        update(Challenge)
        .where(
            Challenge.id == challenge.id,
            _is_open(now),
            or_(Challenge.max_total.is_(None), Challenge.taken < Challenge.max_total),
        )
        .values(taken=Challenge.taken + 1)
        .returning(Challenge.id)
        .execution_options(synchronize_session=False)
    )
    if taken.one_or_none() is None:
        fresh = await session.scalar(
            select(Challenge)
            .where(Challenge.id == challenge.id)
            .execution_options(populate_existing=True)
        )
        assert fresh is not None  # noqa: S101 (it was just loaded)
        raise SubmitRefused(why_cannot_submit(fresh, Mine(), now=now) or CannotSubmit.FULL)
    held = await session.scalar(
        select(func.count()).where(
            Submission.challenge_id == challenge.id,
            Submission.user_id == user.id,
            Submission.status.in_(HELD),
        )
    )
    if (held or 0) >= challenge.max_per_user:
        pending = await session.scalar(
            select(func.count()).where(
                Submission.challenge_id == challenge.id,
                Submission.user_id == user.id,
                Submission.status == SubmissionStatus.PENDING,
            )
        )
        raise SubmitRefused(CannotSubmit.PENDING if pending else CannotSubmit.LIMIT_REACHED)
    submission = Submission(
        challenge_id=challenge.id,
        user_id=user.id,
        status=SubmissionStatus.PENDING,
        response=response,
        request_key=key,
        points=challenge.points,
        feedback="",
        created_at=now,
    )
    session.add(submission)
    await session.flush()
    return submission


async def record_share(
    session: AsyncSession, *, user: User, challenge_id: int, network: str, key: str
) -> Submission:
    """A click on one of a share_link challenge's share actions completes it."""
    view = await access_challenge(session, viewer=user, challenge_id=challenge_id)
    if view.challenge.type != ChallengeType.SHARE_LINK:
        raise NotFound()
    return await _submit(
        session, user=user, challenge=view.challenge, key=key, response={"network": network}
    )


async def record_asset_used(
    session: AsyncSession, *, user: User, asset_id: int, watched: bool
) -> list[Submission]:
    """Completes the open challenges linked to a content item: `watch_video` ones when the
    video was watched to the end, `download_asset` ones when the item was downloaded or opened
    (called by the content service). Once per person and challenge."""
    kind = ChallengeType.WATCH_VIDEO if watched else ChallengeType.DOWNLOAD_ASSET
    linked = [
        challenge
        for challenge in await session.scalars(
            select(Challenge).where(Challenge.type == kind, _is_open(utcnow()), _visible_to(user))
        )
        if challenge.settings.get("asset_id") == asset_id
    ]
    done = []
    for challenge in linked:
        try:
            done.append(
                await _submit(
                    session,
                    user=user,
                    challenge=challenge,
                    key=f"asset:{asset_id}:challenge:{challenge.id}:user:{user.id}",
                    response={"asset_id": asset_id, "watched": watched},
                )
            )
        except SubmitRefused:
            continue
    return done


async def record_referral_submitted(
    session: AsyncSession, *, user: User, referral_id: int, company: str
) -> list[Submission]:
    """Completes every open `refer` challenge the referrer can still take (called by the
    referrals service when a referral is submitted). Full or used-up ones are passed over."""
    now = utcnow()
    open_refer = list(
        await session.scalars(
            select(Challenge).where(
                Challenge.type == ChallengeType.REFER, _is_open(now), _visible_to(user)
            )
        )
    )
    done = []
    for challenge in open_refer:
        try:
            done.append(
                await _submit(
                    session,
                    user=user,
                    challenge=challenge,
                    key=f"referral:{referral_id}:challenge:{challenge.id}",
                    response={"referral_id": referral_id, "company": company},
                )
            )
        except SubmitRefused:
            continue
    return done


# --- deciding --------------------------------------------------------------------------------


async def _approve(
    session: AsyncSession,
    submission: Submission,
    *,
    challenge: Challenge,
    user: User,
    by: User | None,
) -> None:
    submission.status = SubmissionStatus.APPROVED
    submission.decided_at = utcnow()
    submission.reviewer_id = by.id if by else None
    await session.flush()
    await points.award(
        session,
        user,
        points=submission.points,
        reason=f"Challenge completed: {challenge.title}",
        key=f"submission:{submission.id}:approved",
        source=points.Source("submission", submission.id),
        actor=by,
    )
    if by is not None:
        await notifications.notify(
            session,
            user_id=user.id,
            kind="submission_approved",
            title=f"+{submission.points:,} points: {challenge.title} approved",
            link=f"/challenges/{challenge.id}",
        )
    await _award_count_badges(session, user)


async def _award_count_badges(session: AsyncSession, user: User) -> None:
    completed = await session.scalar(
        select(func.count()).where(
            Submission.user_id == user.id, Submission.status == SubmissionStatus.APPROVED
        )
    )
    for rule, count in BADGE_COUNTS:
        if (completed or 0) < count:
            continue
        badge = await session.scalar(
            select(Badge).where(Badge.rule == rule, Badge.is_active.is_(True)).limit(1)
        )
        if badge is not None:
            await points.award_badge(session, user=user, badge=badge)


async def access_submission(session: AsyncSession, submission_id: int) -> Submission:
    submission = await session.scalar(
        select(Submission)
        .where(Submission.id == submission_id)
        .options(selectinload(Submission.challenge), selectinload(Submission.user))
    )
    if submission is None:
        raise NotFound()
    return submission


async def access_own_submission(
    session: AsyncSession, *, viewer: User, submission_id: int
) -> Submission:
    """One of the viewer's own entries (someone else's answers 404)."""
    submission = await session.scalar(
        select(Submission).where(Submission.id == submission_id, Submission.user_id == viewer.id)
    )
    if submission is None:
        raise NotFound()
    return submission


async def _decide(
    session: AsyncSession,
    submission: Submission,
    *,
    to: SubmissionStatus,
    staff: User,
    feedback: str,
) -> bool:
    """Moves a pending submission; False when it already has `to` (a repeat is a no-op)."""
    moved = await session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.status == SubmissionStatus.PENDING)
        .values(status=to, decided_at=utcnow(), reviewer_id=staff.id, feedback=feedback)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(submission, ["status", "decided_at", "reviewer_id", "feedback"])
    if moved.rowcount == 1:  # type: ignore[attr-defined]
        return True
    if submission.status == to:
        return False
    raise AlreadyDecided(str(submission.status))


async def approve_submission(
    session: AsyncSession, *, staff: User, submission_id: int, base_url: str, feedback: str = ""
) -> Submission:
    """Pays the points once (key `submission:<id>:approved`); approving again changes nothing."""
    submission = await access_submission(session, submission_id)
    feedback = feedback.strip()[:1000]
    if await _decide(
        session, submission, to=SubmissionStatus.APPROVED, staff=staff, feedback=feedback
    ):
        await _approve(
            session, submission, challenge=submission.challenge, user=submission.user, by=staff
        )
        await _audit(session, staff, submission, "challenges.submission_approved", feedback)
        await _email_decision(session, submission, base_url=base_url)
    return submission


async def reject_submission(
    session: AsyncSession, *, staff: User, submission_id: int, feedback: str, base_url: str
) -> Submission:
    """Frees the slot and tells the advocate why; rejecting again changes nothing."""
    feedback = feedback.strip()[:1000]
    if not feedback:
        raise PortalError("Say why: the advocate sees the feedback.")
    submission = await access_submission(session, submission_id)
    if not await _decide(
        session, submission, to=SubmissionStatus.REJECTED, staff=staff, feedback=feedback
    ):
        return submission
    await session.execute(
        update(Challenge)
        .where(Challenge.id == submission.challenge_id, Challenge.taken > 0)
        .values(taken=Challenge.taken - 1)
        .execution_options(synchronize_session=False)
    )
    challenge = submission.challenge
    await notifications.notify(
        session,
        user_id=submission.user_id,
        kind="submission_rejected",
        title=f"Your entry for {challenge.title} was not approved",
        body=feedback,
        link=f"/challenges/{challenge.id}",
    )
    await _audit(session, staff, submission, "challenges.submission_rejected", feedback)
    await _email_decision(session, submission, base_url=base_url)
    return submission


@dataclass(frozen=True)
class BulkResult:
    done: int
    skipped: list[str] = field(default_factory=list)


async def decide_many(
    session: AsyncSession,
    *,
    staff: User,
    submission_ids: list[int],
    approve: bool,
    feedback: str,
    base_url: str,
) -> BulkResult:
    """Approves or rejects each; one already decided the other way is skipped and named."""
    if not submission_ids:
        raise PortalError("Tick the submissions to approve or reject.")
    if not approve and not feedback.strip():
        raise PortalError("Say why: the advocates see the feedback.")
    done = 0
    skipped = []
    for submission_id in sorted(set(submission_ids)):
        try:
            async with session.begin_nested():
                if approve:
                    await approve_submission(
                        session,
                        staff=staff,
                        submission_id=submission_id,
                        feedback=feedback,
                        base_url=base_url,
                    )
                else:
                    await reject_submission(
                        session,
                        staff=staff,
                        submission_id=submission_id,
                        feedback=feedback,
                        base_url=base_url,
                    )
        except (AlreadyDecided, NotFound):
            skipped.append(f"#{submission_id}")
        else:
            done += 1
    return BulkResult(done=done, skipped=skipped)


async def _email_decision(session: AsyncSession, submission: Submission, *, base_url: str) -> None:
    """Tells the advocate a marketer's decision by email (the bell has it too)."""
    challenge, user = submission.challenge, submission.user
    approved = submission.status == SubmissionStatus.APPROVED
    title = (
        f"Your entry for {challenge.title} is approved: +{submission.points:,} points"
        if approved
        else f"Your entry for {challenge.title} was not approved"
    )
    config = await program.load(session)
    await outbox.queue_email(
        session,
        to=user.email,
        user_id=user.id,
        subject=title,
        kind="submission_decided",
        category=EmailCategory.CHALLENGES,
        base_url=base_url.rstrip("/"),
        context={
            "name": user.display_name,
            "program_name": config.program_name,
            "title": title,
            "approved": approved,
            "feedback": submission.feedback,
            "link": f"{base_url.rstrip('/')}/challenges/{challenge.id}",
        },
    )


async def _audit(
    session: AsyncSession, staff: User, submission: Submission, action: str, note: str
) -> None:
    await audit.record(
        session,
        actor=staff,
        action=action,
        target_type="submission",
        target_id=submission.id,
        summary=f"{submission.challenge.title} by {submission.user.email}"
        + (f": {note}" if note else ""),
        after={"status": str(submission.status)},
    )


async def approval_queue(
    session: AsyncSession, *, challenge_id: int | None = None, limit: int = 200
) -> list[Submission]:
    """Pending submissions across challenges, oldest first."""
    query = (
        select(Submission)
        .where(Submission.status == SubmissionStatus.PENDING)
        .options(selectinload(Submission.challenge), selectinload(Submission.user))
    )
    if challenge_id is not None:
        query = query.where(Submission.challenge_id == challenge_id)
    return list(await session.scalars(query.order_by(Submission.id).limit(limit)))


async def challenges_with_pending(session: AsyncSession) -> list[tuple[Challenge, int]]:
    rows = await session.execute(
        select(Challenge, func.count(Submission.id))
        .join(Submission, Submission.challenge_id == Challenge.id)
        .where(Submission.status == SubmissionStatus.PENDING)
        .group_by(Challenge.id)
        .order_by(Challenge.title)
    )
    return [(c, n) for c, n in rows.all()]


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
