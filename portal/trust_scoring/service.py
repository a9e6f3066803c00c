"""A trust score is 50 plus or minus what the advocate's own history says, each part a reason a
person can read ("3 of 4 referrals rejected as invalid", minus 30), clamped to 0 to 100."""

from collections import Counter
from datetime import timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth.models import Invitation
from portal.challenges.models import Submission, SubmissionStatus
from portal.clock import utcnow
from portal.people.models import Role, User, UserRole
from portal.referrals.models import CloseReason, Referral, Stage
from portal.trust import service as trust
from portal.trust.models import TrustScore
from portal.trust.service import Reason

BASE = 50
# Referrals closed for one of these reasons count against the referrer; "not a fit" does not.
BAD_REASONS = (CloseReason.INVALID, CloseReason.DUPLICATE, CloseReason.SELF_REFERRAL)
QUALIFIED = (Stage.QUALIFIED, Stage.OPPORTUNITY, Stage.WON)
# Account age in days → points: the bands the hourly refresh watches for.
REFRESH_BATCH = 5_000
AGE_BANDS = ((180, 10, "Member for over 6 months"), (30, 5, "Member for over a month"))


async def compute(session: AsyncSession, user: User) -> tuple[int, list[Reason]]:
    reasons = [
        *await _entries(session, user.id),
        *await _referrals(session, user.id),
        *_age(user),
        *await _joining(session, user),
    ]
    score = max(0, min(100, BASE + sum(reason.points for reason in reasons)))
    return score, reasons


async def recompute(session: AsyncSession, user_id: int) -> TrustScore | None:
    """Rewrites one person's score; staff-only accounts have none."""
    user = await session.get(User, user_id)
    if user is None or not await _is_advocate(session, user_id):
        return None
    score, reasons = await compute(session, user)
    return await trust.store_score(session, user_id=user_id, score=score, reasons=reasons)


async def _is_advocate(session: AsyncSession, user_id: int) -> bool:
    found = await session.scalar(
        select(UserRole.user_id).where(UserRole.user_id == user_id, UserRole.role == Role.ADVOCATE)
    )
    return found is not None


async def _entries(session: AsyncSession, user_id: int) -> list[Reason]:
    rows = await session.execute(
        select(Submission.status, func.count())
        .where(
            Submission.user_id == user_id,
            Submission.status.in_([SubmissionStatus.APPROVED, SubmissionStatus.REJECTED]),
        )
        .group_by(Submission.status)
    )
    counts = {str(status): number for status, number in rows.all()}
    approved = counts.get(SubmissionStatus.APPROVED.value, 0)
    decided = approved + counts.get(SubmissionStatus.REJECTED.value, 0)
    if not decided:
        return []
    # ±20 at most, reached from 5 decided entries: one rejection early on weighs less.
    points = round((approved / decided - 0.5) * 40 * min(decided, 5) / 5)
    return [Reason(f"{approved} of {decided} challenge entries approved", points)]


async def _referrals(session: AsyncSession, user_id: int) -> list[Reason]:
    rows = (
        await session.execute(
            select(
                Referral.stage, Referral.reached_stage, Referral.close_reason, Referral.flags
            ).where(Referral.referrer_id == user_id)
        )
    ).all()
    if not rows:
        return []
    total = len(rows)
    qualified = sum(1 for row in rows if row.reached_stage in QUALIFIED)
    bad = Counter(
        CloseReason(row.close_reason)
        for row in rows
        if row.stage == Stage.REJECTED and row.close_reason in BAD_REASONS
    )
    flagged = [row for row in rows if row.flags]
    confirmed = sum(1 for row in flagged if row.stage == Stage.REJECTED)
    cleared = sum(
        1 for row in flagged if row.stage != Stage.REJECTED and row.reached_stage != Stage.SUBMITTED
    )
    reasons = []
    if qualified:
        reasons.append(
            Reason(f"{qualified} of {total} referrals qualified", min(qualified * 5, 20))
        )
    if bad:
        rejected = sum(bad.values())
        why = (
            next(iter(bad)).label.lower()
            if len(bad) == 1
            else ", ".join(f"{n} {reason.label.lower()}" for reason, n in bad.most_common())
        )
        text = (
            f"{rejected} of {total} referrals rejected as {why}"
            if len(bad) == 1
            else f"{rejected} of {total} referrals rejected ({why})"
        )
        reasons.append(Reason(text, -min(rejected * 10, 40)))
    if confirmed:
        reasons.append(
            Reason(
                f"{confirmed} of {len(flagged)} flagged referrals rejected", -min(confirmed * 5, 20)
            )
        )
    if cleared:
        reasons.append(Reason(f"{cleared} flagged referrals went ahead after review", 0))
    waiting = len(flagged) - confirmed - cleared
    if waiting:
        reasons.append(Reason(f"{waiting} flagged referrals waiting for review", 0))
    return reasons


def _age(user: User) -> list[Reason]:
    days = (utcnow() - user.created_at).days
    for from_days, points, text in AGE_BANDS:
        if days >= from_days:
            return [Reason(text, points)]
    return [Reason(f"Joined {days} days ago" if days != 1 else "Joined yesterday", 0)]


async def _joining(session: AsyncSession, user: User) -> list[Reason]:
    invited = await session.scalar(
        select(Invitation.id)
        .where(Invitation.user_id == user.id, Invitation.accepted_at.is_not(None))
        .limit(1)
    )
    sso = user.sso_signed_in_at is not None
    reasons = [
        Reason("Invited by the program team", 10)
        if invited is not None
        else Reason("Signed up on their own", 0)
    ]
    if invited is not None or sso:
        reasons.append(Reason("Email address confirmed", 5))
    else:
        reasons.append(Reason("Email address not confirmed", 0))
    if sso:
        reasons.append(Reason("Signs in with single sign-on", 10))
    return reasons


async def refresh_due(session: AsyncSession, *, batch: int = REFRESH_BATCH) -> int:
    """The hourly refresh: advocates whose account crossed an age band in the last day, and
    advocates who have no score yet (accounts from before scoring), at most `batch` a run so a
    first run over a large program never holds one long transaction. Returns how many were
    rewritten."""
    now = utcnow()
    crossed = [
        User.created_at.between(now - timedelta(days=days + 1), now - timedelta(days=days))
        for days, _, _ in AGE_BANDS
    ]
    stale = TrustScore.computed_at < now - timedelta(hours=23)
    due = await session.scalars(
        select(User.id)
        .join(UserRole, (UserRole.user_id == User.id) & (UserRole.role == Role.ADVOCATE))
        .outerjoin(TrustScore, TrustScore.user_id == User.id)
        .where(or_(TrustScore.user_id.is_(None), and_(or_(*crossed), stale)))
        .order_by(User.id)
        .limit(batch)
    )
    done = 0
    for user_id in list(due):
        await recompute(session, user_id)
        done += 1
    return done
