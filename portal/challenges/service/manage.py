"""Challenges for marketers: create, edit, duplicate, archive, and what each one achieved."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal import links
from portal.audit import service as audit
from portal.challenges.models import (
    Approval,
    Challenge,
    ChallengeGroup,
    ChallengeStatus,
    ChallengeType,
    Submission,
    SubmissionStatus,
)
from portal.clock import utcnow
from portal.errors import NotFound
from portal.i18n import N_
from portal.notifications import service as notifications
from portal.people.models import GroupMember, User
from portal.sanitize import clean_html
from portal.translations import Translations, with_html
from portal.wording import N_plural, wording


@dataclass(frozen=True)
class ChallengeValues:
    title: str
    summary: str
    body: str
    type: ChallengeType
    points: int
    status: ChallengeStatus
    starts_at: datetime | None
    ends_at: datetime | None
    max_per_user: int
    max_total: int | None
    approval: Approval
    settings: dict[str, Any]
    group_ids: frozenset[int]
    # Other languages' title, summary and body, as typed (portal.translations).
    translations: Translations = field(default_factory=dict)


@dataclass(frozen=True)
class Stats:
    completions: int = 0
    pending: int = 0
    rejected: int = 0
    points_issued: int = 0


async def stats_by_challenge(
    session: AsyncSession, ids: list[int] | None = None
) -> dict[int, Stats]:
    approved = Submission.status == SubmissionStatus.APPROVED
    query = select(
        Submission.challenge_id,
        func.sum(case((approved, 1), else_=0)),
        func.sum(case((Submission.status == SubmissionStatus.PENDING, 1), else_=0)),
        func.sum(case((Submission.status == SubmissionStatus.REJECTED, 1), else_=0)),
        func.sum(case((approved, Submission.points), else_=0)),
    ).group_by(Submission.challenge_id)
    if ids is not None:
        query = query.where(Submission.challenge_id.in_(ids))
    return {
        cid: Stats(int(a or 0), int(p or 0), int(r or 0), int(pts or 0))
        for cid, a, p, r, pts in (await session.execute(query)).all()
    }


async def list_for_staff(
    session: AsyncSession, *, status: ChallengeStatus | None = None
) -> list[tuple[Challenge, Stats]]:
    query = select(Challenge).options(selectinload(Challenge.groups))
    if status is not None:
        query = query.where(Challenge.status == status)
    challenges = list(await session.scalars(query.order_by(Challenge.id.desc())))
    stats = await stats_by_challenge(session, [c.id for c in challenges])
    return [(c, stats.get(c.id, Stats())) for c in challenges]


async def access_challenge_for_staff(session: AsyncSession, challenge_id: int) -> Challenge:
    challenge = await session.scalar(
        select(Challenge)
        .where(Challenge.id == challenge_id)
        .options(selectinload(Challenge.groups))
    )
    if challenge is None:
        raise NotFound()
    return challenge


def _snapshot(challenge: Challenge) -> dict[str, Any]:
    return {
        "status": str(challenge.status),
        "points": challenge.points,
        "max_total": challenge.max_total,
        "ends_at": challenge.ends_at.isoformat() if challenge.ends_at else None,
    }


async def save_challenge(
    session: AsyncSession,
    *,
    staff: User,
    values: ChallengeValues,
    challenge_id: int | None = None,
) -> Challenge:
    if challenge_id is None:
        challenge = Challenge(groups=[], created_by_id=staff.id, taken=0)
        before = None
    else:
        challenge = await access_challenge_for_staff(session, challenge_id)
        before = _snapshot(challenge)
    challenge.title = values.title
    challenge.summary = values.summary
    challenge.body = values.body
    challenge.body_html = clean_html(values.body)
    challenge.translations = with_html(values.translations, {"body": "body_html"})
    challenge.type = values.type
    challenge.points = values.points
    challenge.status = values.status
    challenge.starts_at = values.starts_at
    challenge.ends_at = values.ends_at
    challenge.max_per_user = values.max_per_user
    challenge.max_total = values.max_total
    challenge.approval = values.approval
    challenge.settings = dict(values.settings)
    challenge.updated_at = utcnow()
    challenge.groups = [g for g in challenge.groups if g.group_id in values.group_ids] + [
        ChallengeGroup(group_id=gid)
        for gid in sorted(values.group_ids - {g.group_id for g in challenge.groups})
    ]
    challenge.is_targeted = bool(values.group_ids)
    newly_published = challenge.status == ChallengeStatus.PUBLISHED and (
        before is None or before.get("status") != ChallengeStatus.PUBLISHED
    )
    session.add(challenge)
    await session.flush()
    if newly_published and values.group_ids:
        await _tell_groups(session, challenge, values.group_ids)
    await audit.record(
        session,
        actor=staff,
        action="challenges.created" if challenge_id is None else "challenges.changed",
        target_type="challenge",
        target_id=challenge.id,
        summary=f"{challenge.title}: {challenge.points:,} points ({challenge.status})",
        before=before,
        after=_snapshot(challenge),
    )
    return challenge


async def _tell_groups(
    session: AsyncSession, challenge: Challenge, group_ids: frozenset[int]
) -> None:
    """A challenge published for groups: their members find it in their bell."""
    members = await session.scalars(
        select(GroupMember.user_id).where(GroupMember.group_id.in_(group_ids)).distinct()
    )
    for user_id in members:
        await notifications.notify(
            session,
            user_id=user_id,
            kind="new_challenge",
            title=wording(N_("New challenge for you: %(title)s"), title=challenge.title_source),
            body=wording(
                N_plural("%(points)s point", "%(points)s points"),
                count=challenge.points,
                points=challenge.points,
            ),
            link=links.path_for("challenges:detail", challenge_id=challenge.id),
        )


def values_of(challenge: Challenge) -> ChallengeValues:
    return ChallengeValues(
        title=challenge.title_source,
        summary=challenge.summary_source,
        body=challenge.body,
        type=ChallengeType(challenge.type),
        points=challenge.points,
        status=ChallengeStatus(challenge.status),
        starts_at=challenge.starts_at,
        ends_at=challenge.ends_at,
        max_per_user=challenge.max_per_user,
        max_total=challenge.max_total,
        approval=Approval(challenge.approval),
        settings=dict(challenge.settings),
        group_ids=frozenset(g.group_id for g in challenge.groups),
        translations=dict(challenge.translations or {}),
    )


async def duplicate_challenge(
    session: AsyncSession, *, staff: User, challenge_id: int
) -> Challenge:
    """A draft copy (same type, settings and targeting) to adjust and publish."""
    original = await access_challenge_for_staff(session, challenge_id)
    values = values_of(original)
    copy = ChallengeValues(
        **{
            **values.__dict__,
            "title": f"{original.title_source} (copy)"[:120],
            "status": ChallengeStatus.DRAFT,
        }
    )
    return await save_challenge(session, staff=staff, values=copy)


async def archive_challenge(session: AsyncSession, *, staff: User, challenge_id: int) -> Challenge:
    """Closes it: advocates keep their history, nobody can enter it any more."""
    challenge = await access_challenge_for_staff(session, challenge_id)
    if challenge.status != ChallengeStatus.ARCHIVED:
        before = _snapshot(challenge)
        challenge.status = ChallengeStatus.ARCHIVED
        challenge.updated_at = utcnow()
        await session.flush()
        await audit.record(
            session,
            actor=staff,
            action="challenges.archived",
            target_type="challenge",
            target_id=challenge.id,
            summary=challenge.title,
            before=before,
            after=_snapshot(challenge),
        )
    return challenge


async def submissions_of(session: AsyncSession, challenge: Challenge) -> list[Submission]:
    return list(
        await session.scalars(
            select(Submission)
            .where(Submission.challenge_id == challenge.id)
            .options(selectinload(Submission.user))
            .order_by(Submission.id)
        )
    )
