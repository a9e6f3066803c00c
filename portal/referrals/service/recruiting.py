"""Advocates who recruit advocates. An advocate's invitation link carries their personal code
into sign-up; the new person is their recruit. The recruiter earns the bonuses of Manage →
Referrals when the recruit joins and when the recruit reaches their milestone (their first won
referral, or a number of lifetime points); with two levels on, the recruiter's own recruiter
earns the smaller second-level bonuses. Never further: a chain of ten people pays two.

Every bonus is a ledger award keyed by recruit, trigger and level, so a replayed event, a
second won referral or two workers at once pay it once."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import events
from portal.i18n import N_
from portal.people.codes import get_advocate_for_personal_code
from portal.people.models import User, UserStatus
from portal.points import service as points
from portal.points.models import Balance, LedgerEntry
from portal.referrals.models import Recruitment, Referral, Stage
from portal.referrals.service.config import ReferralSettings, load_settings
from portal.wording import Wording, wording

SOURCE_TYPE = "recruit"


def _mailbox(email: str) -> str:
    """An address without its +tag: `priya+2@x` is still Priya."""
    local, _at, domain = email.lower().partition("@")
    return f"{local.partition('+')[0]}@{domain}"


async def record_recruit(session: AsyncSession, event: events.RecruitSignedUp) -> None:
    """Subscribed to `RecruitSignedUp`: the code's advocate recruited the new person, unless
    the code is unknown or the person is the advocate under another +tag of their address."""
    recruit = await session.get(User, event.user_id)
    recruiter = await get_advocate_for_personal_code(session, event.recruiter_code)
    if recruit is None or recruiter is None or recruiter.id == recruit.id:
        return
    if _mailbox(recruiter.email) == _mailbox(recruit.email):
        return
    if await session.get(Recruitment, recruit.id) is None:
        session.add(Recruitment(recruit_id=recruit.id, recruiter_id=recruiter.id))
        await session.flush()


async def recruit_joined(session: AsyncSession, event: events.AdvocateJoined) -> None:
    """Subscribed to `AdvocateJoined`: the join bonuses."""
    await _pay(session, event.user_id, milestone=False)


async def recruit_won(session: AsyncSession, event: events.ReferralStageChanged) -> None:
    """Subscribed to `ReferralStageChanged`: a recruit's first won referral is their milestone
    unless the settings name a number of points."""
    if event.to_stage != Stage.WON:
        return
    if (await load_settings(session)).recruit_milestone_points == 0:
        await _pay(session, event.referrer_id, milestone=True)


async def recruit_earned(session: AsyncSession, event: events.PointsAwarded) -> None:
    """Subscribed to `PointsAwarded`: reaching the settings' lifetime points is the milestone."""
    target = (await load_settings(session)).recruit_milestone_points
    if target == 0 or await session.get(Recruitment, event.user_id) is None:
        return
    recruit = await session.get(User, event.user_id)
    if recruit is not None and (await points.balance_of(session, recruit)).lifetime >= target:
        await _pay(session, recruit.id, milestone=True)


async def _pay(session: AsyncSession, recruit_id: int, *, milestone: bool) -> None:
    config = await load_settings(session)
    recruit = await session.get(User, recruit_id)
    if recruit is None:
        return
    child_id, level = recruit_id, 1
    while level <= config.recruit_levels:
        link = await session.get(Recruitment, child_id)
        if link is None:
            return
        recruiter = await session.get(User, link.recruiter_id)
        bonus = config.recruit_bonus(level, milestone=milestone)
        if recruiter is not None and recruiter.status == UserStatus.ACTIVE and bonus > 0:
            await points.award(
                session,
                recruiter,
                points=bonus,
                reason=_reason(recruit, level=level, milestone=milestone, config=config),
                key=f"recruit:{recruit_id}:{'milestone' if milestone else 'joined'}:{level}",
                source=points.Source(SOURCE_TYPE, recruit_id),
            )
        child_id, level = link.recruiter_id, level + 1


def _reason(recruit: User, *, level: int, milestone: bool, config: ReferralSettings) -> Wording:
    name = recruit.display_name
    if not milestone:
        if level == 1:
            return wording(N_("%(name)s joined through your invitation"), name=name)
        return wording(N_("%(name)s joined, recruited by someone you brought in"), name=name)
    reached = (
        wording(N_("won their first referral"))
        if config.recruit_milestone_points == 0
        else wording(N_("reached %(points)s points"), points=config.recruit_milestone_points)
    )
    if level == 1:
        return wording(N_("%(name)s, whom you brought in, %(reached)s"), name=name, reached=reached)
    return wording(
        N_("%(name)s, recruited by someone you brought in, %(reached)s"),
        name=name,
        reached=reached,
    )


@dataclass(frozen=True)
class Recruit:
    """One person an advocate brought in, with their progress towards the milestone."""

    user: User
    won_referrals: int
    lifetime_points: int
    bonus_earned: int


async def people_brought_in(session: AsyncSession, recruiter: User) -> list[Recruit]:
    """The recruiter's own recruits, newest first (their recruits' recruits are not theirs to
    see), each with their won referrals, lifetime points and the bonuses they paid so far."""
    rows = (
        await session.execute(
            select(User, func.coalesce(Balance.lifetime, 0))
            .join(Recruitment, Recruitment.recruit_id == User.id)
            .outerjoin(Balance, Balance.user_id == User.id)
            .where(Recruitment.recruiter_id == recruiter.id)
            .order_by(Recruitment.created_at.desc(), User.id.desc())
        )
    ).all()
    ids = [user.id for user, _lifetime in rows]
    won_rows = await session.execute(
        select(Referral.referrer_id, func.count())
        .where(Referral.referrer_id.in_(ids), Referral.reached_stage == Stage.WON)
        .group_by(Referral.referrer_id)
    )
    won: dict[int, int] = {row[0]: row[1] for row in won_rows}
    paid_rows = await session.execute(
        select(LedgerEntry.source_id, func.sum(LedgerEntry.delta))
        .where(
            LedgerEntry.user_id == recruiter.id,
            LedgerEntry.source_type == SOURCE_TYPE,
            LedgerEntry.source_id.in_(ids),
        )
        .group_by(LedgerEntry.source_id)
    )
    paid: dict[int | None, int | None] = {row[0]: row[1] for row in paid_rows}
    return [
        Recruit(user, won.get(user.id, 0), int(lifetime), int(paid.get(user.id) or 0))
        for user, lifetime in rows
    ]
