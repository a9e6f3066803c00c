"""What an advocate's Home shows: their points, level, badges, rank and the community's news,
and getting started until every step is done (staff Homes: `portal.home.staff`)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import utcnow
from portal.i18n import N_
from portal.people.models import User
from portal.points import service as points
from portal.points.models import Badge, Period
from portal.points.service.badges import FeedEntry
from portal.points.service.ledger import Balances
from portal.program import cache
from portal.referrals import service as referrals

RECENT = 5
RANK_KEPT = timedelta(minutes=1)
MAX_RANKS = 20_000


@dataclass(frozen=True)
class Step:
    label: str  # English, marked for the catalogue; Home translates it
    done: bool
    route: str


@dataclass(frozen=True)
class HomeAccount:
    """What Home shows of the person's points: read as plain rows and cached catalog entries
    (the page is every advocate's most visited, so no ORM objects are loaded for it)."""

    balance: Balances
    progress: points.LevelProgress
    recent: list[points.RecentPoints]
    badges: list[Badge]  # newest first, from the cached catalog


@dataclass(frozen=True)
class HomeView:
    account: HomeAccount
    month_rank: tuple[int, int] | None
    feed: list[FeedEntry]
    steps: list[Step]  # empty once every step is done: the card leaves Home
    link_stats: referrals.LinkStats
    points_per_won_referral: int
    streak: points.StreakStatus
    expiring: points.Expiring | None  # points that expire within 30 days, when expiry is on


def getting_started(user: User, account: HomeAccount) -> list[Step]:
    steps = [
        Step(N_("Set your password and sign in"), True, "auth:profile"),
        Step(
            N_("Add your company and job title"),
            bool(user.company and user.job_title),
            "auth:profile",
        ),
        Step(N_("Earn your first points"), account.balance.lifetime > 0, "points:history"),
    ]
    return [] if all(step.done for step in steps) else steps


async def home_view(
    session: AsyncSession, user: User, *, exclude_staff: bool, program_zone: str
) -> HomeView:
    balance = await points.balance_of(session, user)
    account = HomeAccount(
        balance=balance,
        progress=await points.standing_of(session, balance),  # the floor level counted
        recent=await points.recent_points(session, user, limit=RECENT),
        badges=await points.held_badges(session, user),
    )
    return HomeView(
        account=account,
        month_rank=await month_rank(session, user, account, exclude_staff=exclude_staff),
        feed=await points.community_feed(session, viewer=user, limit=8),
        steps=getting_started(user, account),
        link_stats=await referrals.link_stats(session, user),
        points_per_won_referral=(await referrals.load_settings(session)).points_to_won,
        streak=points.streak_status(
            account.balance.streak, user, now=utcnow(), program_zone=program_zone
        ),
        expiring=await points.expiring_soon(session, user, now=utcnow())
        if account.balance.current
        else None,
    )


async def month_rank(
    session: AsyncSession, user: User, account: HomeAccount, *, exclude_staff: bool
) -> tuple[int, int] | None:
    """The person's rank this month, kept by the worker for a minute (three statements at
    100 000 advocates): new points of their own show at once (their lifetime total is part of
    the key), others' moves within the minute. Kept with the program cache, so per app."""
    ranks: dict[tuple[object, ...], tuple[datetime, tuple[int, int] | None]]
    ranks = await cache.cached(session, "month_ranks", _new_store)
    now = utcnow()
    key = (user.id, account.balance.lifetime, exclude_staff, now.year, now.month)
    known = ranks.get(key)
    if known is not None and known[0] > now:
        return known[1]
    rank = await points.rank_of(session, user, period=Period.MONTH, exclude_staff=exclude_staff)
    if len(ranks) >= MAX_RANKS:
        ranks.clear()
    ranks[key] = (now + RANK_KEPT, rank)
    return rank


async def _new_store(session: AsyncSession) -> dict[tuple[object, ...], Any]:
    return {}
