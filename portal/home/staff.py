"""What a staff member's Home shows: for sales, their part of the pipeline; for marketers and
admins, the program this month and what needs attention. Read across the domains."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal.auth import service as auth
from portal.challenges.models import Submission, SubmissionStatus
from portal.outbox.models import EmailStatus, OutboxEmail
from portal.people.models import Role, User, UserRole, UserStatus
from portal.points.models import EntryKind, EntryState, LedgerEntry, Period, PeriodTotal
from portal.points.service.totals import period_start
from portal.program import service as program
from portal.referrals import service as referrals
from portal.referrals.models import Referral, ReferralEvent, Stage
from portal.rewards import service as rewards
from portal.rewards.models import Redemption, Reward

# A code pool with fewer free codes than this is flagged on the program Home.
LOW_CODE_POOL = 5
QUIET_LIST = 5


@dataclass(frozen=True)
class SalesGlance:
    my_open: list[tuple[Stage, int]]
    unassigned: int
    quiet_days: int
    quiet: int
    quietest: list[Referral]
    won: int
    won_value: int


@dataclass(frozen=True)
class ProgramGlance:
    entries_waiting: int
    redemptions_to_fulfil: int
    advocates: int
    active: int
    engaged: int
    points_issued: int
    points_redeemed: int
    referrals_submitted: int
    referrals_won: int
    low_code_pools: list[tuple[Reward, int]]
    emails_failed: int
    emails_waiting: int
    signups_waiting: int
    invitations_open: int

    @property
    def needs_attention(self) -> bool:
        return bool(
            self.low_code_pools or self.emails_failed or self.emails_waiting or self.signups_waiting
        )


@dataclass(frozen=True)
class StaffHome:
    sales: SalesGlance | None
    program: ProgramGlance | None
    is_advocate: bool


async def month_start(session: AsyncSession, now: datetime) -> datetime:
    """Midnight on the first of this month in the program's zone (where its boards' months
    begin)."""
    zone = (await program.load_once(session)).zone
    return datetime.combine(period_start(Period.MONTH, now, zone), time(), tzinfo=zone)


async def staff_home(session: AsyncSession, user: User, *, now: datetime) -> StaffHome:
    return StaffHome(
        sales=await sales_glance(session, user, now=now) if user.has_role(Role.SALES) else None,
        program=(
            await program_glance(session, now=now)
            if user.has_role(Role.MARKETER, Role.ADMIN)
            else None
        ),
        is_advocate=user.has_role(Role.ADVOCATE),
    )


async def _counts(session: AsyncSession, **queries: Select[Any]) -> dict[str, int]:
    """Each query's one figure (a count or a sum), all in one statement and round trip."""
    row = (
        await session.execute(
            select(*(query.scalar_subquery().label(name) for name, query in queries.items()))
        )
    ).one()
    return {name: value or 0 for name, value in row._mapping.items()}


def _won_since(since: datetime) -> Select[Any]:
    """Referrals that reached won since then (once each, however often they moved)."""
    return select(ReferralEvent.referral_id).where(
        ReferralEvent.to_stage == Stage.WON, ReferralEvent.created_at >= since
    )


async def sales_glance(session: AsyncSession, rep: User, *, now: datetime) -> SalesGlance:
    is_open = Referral.stage.in_(referrals.OPEN_STAGES)
    mine = dict(
        (
            await session.execute(
                select(Referral.stage, func.count())
                .where(Referral.owner_id == rep.id, is_open)
                .group_by(Referral.stage)
            )
        ).all()
    )
    quiet_days = (await referrals.load_settings(session)).stale_after_days
    quiet = (
        Referral.owner_id == rep.id,
        is_open,
        Referral.updated_at <= now - timedelta(days=quiet_days),
    )
    won = (
        Referral.owner_id == rep.id,
        Referral.id.in_(_won_since(await month_start(session, now))),
    )
    figures = await _counts(
        session,
        unassigned=select(func.count()).where(Referral.owner_id.is_(None), is_open),
        quiet=select(func.count()).where(*quiet),
        won=select(func.count()).where(*won),
        won_value=select(func.coalesce(func.sum(Referral.deal_value), 0)).where(*won),
    )
    return SalesGlance(
        my_open=[(stage, mine.get(stage, 0)) for stage in referrals.OPEN_STAGES],
        unassigned=figures["unassigned"],
        quiet_days=quiet_days,
        quiet=figures["quiet"],
        quietest=list(
            await session.scalars(
                select(Referral)
                .where(*quiet)
                .options(selectinload(Referral.referrer))
                .order_by(Referral.updated_at, Referral.id)
                .limit(QUIET_LIST)
            )
        ),
        won=figures["won"],
        won_value=figures["won_value"],
    )


async def program_glance(session: AsyncSession, *, now: datetime) -> ProgramGlance:
    since = await month_start(session, now)
    advocate = User.roles.any(UserRole.role == Role.ADVOCATE)
    earned = select(PeriodTotal.user_id).where(
        PeriodTotal.period == Period.MONTH,
        PeriodTotal.period_start == since.date(),
        PeriodTotal.points > 0,
    )
    people = await auth.count_by_status(session)
    moved = dict(
        (
            await session.execute(
                select(LedgerEntry.kind, func.sum(LedgerEntry.delta))
                .where(LedgerEntry.created_at >= since, LedgerEntry.state == EntryState.POSTED)
                .group_by(LedgerEntry.kind)
            )
        ).all()
    )
    emails = dict(
        (
            await session.execute(
                select(OutboxEmail.status, func.count()).group_by(OutboxEmail.status)
            )
        ).all()
    )
    figures = await _counts(
        session,
        entries_waiting=select(func.count()).where(Submission.status == SubmissionStatus.PENDING),
        redemptions_to_fulfil=select(func.count()).where(Redemption.status.in_(rewards.NEEDS_WORK)),
        advocates=select(func.count()).where(User.status == UserStatus.ACTIVE, advocate),
        active=select(func.count()).where(
            User.status == UserStatus.ACTIVE,
            advocate,
            or_(User.last_seen_at >= since, User.id.in_(earned)),
        ),
        engaged=select(func.count()).where(advocate, User.id.in_(earned)),
        referrals_submitted=select(func.count()).where(Referral.created_at >= since),
        referrals_won=select(func.count()).where(Referral.id.in_(_won_since(since))),
    )
    return ProgramGlance(
        entries_waiting=figures["entries_waiting"],
        redemptions_to_fulfil=figures["redemptions_to_fulfil"],
        advocates=figures["advocates"],
        active=figures["active"],
        engaged=figures["engaged"],
        points_issued=moved.get(EntryKind.AWARD, 0) + moved.get(EntryKind.REVERSE, 0),
        points_redeemed=-(moved.get(EntryKind.SPEND, 0) + moved.get(EntryKind.REFUND, 0)),
        referrals_submitted=figures["referrals_submitted"],
        referrals_won=figures["referrals_won"],
        low_code_pools=await rewards.low_code_pools(session, below=LOW_CODE_POOL),
        emails_failed=emails.get(EmailStatus.FAILED, 0),
        emails_waiting=emails.get(EmailStatus.PENDING, 0),
        signups_waiting=people[UserStatus.PENDING],
        invitations_open=people[UserStatus.INVITED],
    )
