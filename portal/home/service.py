"""What the home page shows: the advocate's points, level, badges, rank and the community's
news; getting started; and for staff the program at a glance."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth import service as auth
from portal.outbox.models import EmailStatus, OutboxEmail
from portal.people.models import User, UserStatus
from portal.points import service as points
from portal.points.models import Period
from portal.points.service.badges import FeedEntry
from portal.referrals import service as referrals


@dataclass(frozen=True)
class Step:
    label: str
    done: bool
    route: str


@dataclass(frozen=True)
class ProgramGlance:
    people: dict[UserStatus, int]
    emails_waiting: int


@dataclass(frozen=True)
class HomeView:
    account: points.AccountSummary
    month_rank: tuple[int, int] | None
    feed: list[FeedEntry]
    steps: list[Step]
    glance: ProgramGlance | None
    link_stats: referrals.LinkStats
    points_per_won_referral: int


def getting_started(user: User, account: points.AccountSummary) -> list[Step]:
    return [
        Step("Set your password and sign in", True, "auth:profile"),
        Step(
            "Add your company and job title", bool(user.company and user.job_title), "auth:profile"
        ),
        Step("Earn your first points", account.balance.lifetime > 0, "points:history"),
    ]


async def home_view(session: AsyncSession, user: User, *, exclude_staff: bool) -> HomeView:
    account = await points.account_summary(session, user)
    return HomeView(
        account=account,
        month_rank=await points.rank_of(
            session, user, period=Period.MONTH, exclude_staff=exclude_staff
        ),
        feed=await points.community_feed(session, viewer=user, limit=8),
        steps=getting_started(user, account),
        glance=await program_glance(session) if user.is_staff else None,
        link_stats=await referrals.link_stats(session, user),
        points_per_won_referral=(await referrals.load_settings(session)).points_to_won,
    )


async def program_glance(session: AsyncSession) -> ProgramGlance:
    waiting = await session.scalar(
        select(func.count()).where(OutboxEmail.status == EmailStatus.PENDING)
    )
    return ProgramGlance(people=await auth.count_by_status(session), emails_waiting=waiting or 0)
