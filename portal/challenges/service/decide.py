"""Deciding entries: approving (which pays) and rejecting with feedback, one by one or in bulk, and
the approval queue."""

from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal import events
from portal.audit import service as audit
from portal.challenges.models import (
    Challenge,
    Submission,
    SubmissionStatus,
)
from portal.challenges.service.rules import BADGE_COUNTS, AlreadyDecided
from portal.clock import utcnow
from portal.errors import NotFound, PortalError
from portal.i18n import N_, gettext, number
from portal.notifications import service as notifications
from portal.outbox.models import EmailCategory
from portal.people.models import User
from portal.points import service as points
from portal.wording import N_plural, wording

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
    await _publish_decision(session, submission)
    await points.award(
        session,
        user,
        points=submission.points,
        reason=wording(N_("Challenge completed: %(title)s"), title=challenge.title_source),
        key=f"submission:{submission.id}:approved",
        source=points.Source("submission", submission.id),
        actor=by,
    )
    if by is not None:
        await _tell_decision(session, submission)
    await _award_count_badges(session, user)


async def completed_count(session: AsyncSession, user: User) -> int:
    """The person's approved submissions: what the challenge-count badges count."""
    completed = await session.scalar(
        select(func.count()).where(
            Submission.user_id == user.id, Submission.status == SubmissionStatus.APPROVED
        )
    )
    return completed or 0


async def _award_count_badges(session: AsyncSession, user: User) -> None:
    completed = await completed_count(session, user)
    for rule, count in BADGE_COUNTS:
        if completed >= count:
            await points.award_rule_badge(session, user, rule)


async def _publish_decision(session: AsyncSession, submission: Submission) -> None:
    await events.publish(
        session,
        events.SubmissionDecided(
            submission_id=submission.id,
            challenge_id=submission.challenge_id,
            user_id=submission.user_id,
            status=str(submission.status),
        ),
    )


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
    session: AsyncSession, *, staff: User, submission_id: int, feedback: str = ""
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
    return submission


async def reject_submission(
    session: AsyncSession, *, staff: User, submission_id: int, feedback: str
) -> Submission:
    """Frees the slot and tells the advocate why; rejecting again changes nothing."""
    feedback = feedback.strip()[:1000]
    if not feedback:
        raise PortalError(N_("Say why: the advocate sees the feedback."))
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
    await _publish_decision(session, submission)
    await _tell_decision(session, submission)
    await _audit(session, staff, submission, "challenges.submission_rejected", feedback)
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
) -> BulkResult:
    """Approves or rejects each; one already decided the other way is skipped and named."""
    if not submission_ids:
        raise PortalError(N_("Tick the submissions to approve or reject."))
    if not approve and not feedback.strip():
        raise PortalError(N_("Say why: the advocates see the feedback."))
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
                    )
                else:
                    await reject_submission(
                        session,
                        staff=staff,
                        submission_id=submission_id,
                        feedback=feedback,
                    )
        except (AlreadyDecided, NotFound):
            skipped.append(f"#{submission_id}")
        else:
            done += 1
    return BulkResult(done=done, skipped=skipped)


async def _tell_decision(session: AsyncSession, submission: Submission) -> None:
    """Tells the advocate a marketer's decision, in the bell and by email."""
    challenge = submission.challenge
    approved = submission.status == SubmissionStatus.APPROVED
    async with notifications.in_language_of(session, submission.user):
        named = {"challenge": challenge.title, "points": number(submission.points)}
        if approved:
            subject = (
                gettext("Your entry for %(challenge)s is approved: +%(points)s points") % named
            )
        else:
            subject = gettext("Your entry for %(challenge)s was not approved") % named
    bell = (
        wording(
            N_plural(
                "+%(points)s point: %(title)s approved", "+%(points)s points: %(title)s approved"
            ),
            count=submission.points,
            points=submission.points,
            title=challenge.title_source,
        )
        if approved
        else wording(N_("Your entry for %(title)s was not approved"), title=challenge.title_source)
    )
    await notifications.tell(
        session,
        submission.user,
        kind="submission_approved" if approved else "submission_rejected",
        title=bell,
        body="" if approved else submission.feedback,
        route="challenges:detail",
        params={"challenge_id": challenge.id},
        category=EmailCategory.CHALLENGES,
        email_kind="submission_decided",
        email_context={"title": subject, "approved": approved, "feedback": submission.feedback},
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
