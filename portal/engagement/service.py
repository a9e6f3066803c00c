"""Who gets which engagement email, when, and once: the weekly digest, challenge reminders, and
the helpers the sequences (portal/engagement/sequences.py) share. Sweeps go through advocates
in id order, a batch at a time, so a program of any size fits in memory and time.

The cron jobs run the sweeps every hour and name the zones where it is the send hour (09:00 to
10:00): each sweep then reaches only the people in those zones (their own, else the program's),
so everyone reads these emails in their morning. A sweep run without zones reaches everyone."""

from collections.abc import AsyncIterator, Collection
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from portal import i18n, links, zones
from portal.challenges import service as challenges
from portal.challenges.models import (
    Challenge,
    ChallengeGroup,
    ChallengeStatus,
    Dismissal,
    Submission,
    SubmissionStatus,
)
from portal.community import service as community
from portal.content.models import Asset, AssetKind
from portal.engagement.models import Nudge
from portal.outbox import service as outbox
from portal.outbox.models import EmailCategory
from portal.people.models import GroupMember, Role, User, UserRole, UserStatus
from portal.points.models import Balance, Period, PeriodTotal
from portal.points.service.totals import period_start
from portal.program import service as program
from portal.rewards.models import Reward
from portal.templating import local_datetime

BATCH = 500


async def claim(session: AsyncSession, *, user_id: int, kind: str, period: str) -> bool:
    """Records that this email goes out; False if it already did (then send nothing)."""
    insert_for = (
        postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    inserted = await session.scalar(
        insert_for(Nudge)
        .values(user_id=user_id, kind=kind, period=period)
        .on_conflict_do_nothing()
        .returning(Nudge.user_id)
    )
    return inserted is not None


def advocates() -> Select[User, Balance]:
    return (
        select(User, Balance)
        .join(Balance, Balance.user_id == User.id)
        .where(User.status == UserStatus.ACTIVE, User.roles.any(UserRole.role == Role.ADVOCATE))
    )


async def batches(
    session: AsyncSession, query: Select[User, Balance]
) -> AsyncIterator[list[tuple[User, Balance]]]:
    """Keyset pagination on the user id: each batch starts after the last one."""
    after = 0
    while True:
        rows = [
            (user, balance)
            for user, balance in await session.execute(
                query.where(User.id > after).order_by(User.id).limit(BATCH)
            )
        ]
        if not rows:
            return
        yield rows
        after = rows[-1][0].id


async def product_name(session: AsyncSession) -> str:
    """What the advocates use, for "get more from {product}": the program's name without
    " Advocates" (the outbox adds the program's name itself to every email)."""
    return (await program.load_once(session)).program_name.removesuffix(" Advocates")


def common_context(user: User, product: str) -> dict[str, Any]:
    return {
        "name": user.display_name,
        "first_name": user.display_name.split()[0] if user.display_name else "there",
        "product": product,
        "referral_link": links.absolute_url("referrals:landing", code=user.referral_code),
        "link": links.absolute_url("home"),
    }


async def affordable_rewards(session: AsyncSession, up_to: int) -> list[Reward]:
    """Active rewards for everyone, dearest first, that the richest of a batch could take."""
    return list(
        await session.scalars(
            select(Reward)
            .where(Reward.is_active, ~Reward.groups.any(), Reward.cost <= up_to)
            .order_by(Reward.cost.desc())
            .limit(20)
        )
    )


async def best_open_challenges(
    session: AsyncSession, user: User, *, limit: int = 3
) -> list[Challenge]:
    """The open challenges this person can still do, worth the most points first."""
    available = await challenges.cards(session, viewer=user, tab=challenges.Tab.AVAILABLE)
    ranked = sorted(available, key=lambda card: card.challenge.points, reverse=True)
    return [card.challenge for card in ranked[:limit]]


async def open_content(
    session: AsyncSession,
    *,
    kind: AssetKind | None = None,
    since: datetime | None = None,
    limit: int = 5,
) -> list[Asset]:
    """Published content meant for everyone, newest first."""
    query = select(Asset).where(Asset.is_published, ~Asset.is_targeted)
    if kind is not None:
        query = query.where(Asset.kind == kind)
    if since is not None:
        query = query.where(Asset.published_at >= since)
    return list(await session.scalars(query.order_by(Asset.published_at.desc()).limit(limit)))


async def _ranks(session: AsyncSession, week: date) -> dict[int, tuple[int, int]]:
    """Everyone's all-time rank now and a week ago (lifetime minus what they earned since)."""
    earned = (
        select(PeriodTotal.user_id, PeriodTotal.points)
        .where(PeriodTotal.period == Period.WEEK, PeriodTotal.period_start == week)
        .subquery()
    )
    before = Balance.lifetime - func.coalesce(earned.c.points, 0)
    rows = await session.execute(
        select(
            Balance.user_id,
            func.rank().over(order_by=Balance.lifetime.desc()),
            func.rank().over(order_by=before.desc()),
        )
        .outerjoin(earned, earned.c.user_id == Balance.user_id)
        .where(Balance.lifetime > 0)
    )
    return {user_id: (now_rank, then_rank) for user_id, now_rank, then_rank in rows}


# The digest of a week goes out within this long after the week ended (Monday 00:00 program
# time): long enough for the morning of every zone, short enough not to arrive midweek.
DIGEST_WINDOW = timedelta(days=2)


async def send_weekly_digest(
    session: AsyncSession, *, now: datetime, send_hour_zones: Collection[str] | None = None
) -> int:
    """The summary of the program's week that ended (Monday to Sunday in the program's zone):
    points earned, rank change, what is new. Once per person and week."""
    zone = (await program.load_once(session)).zone
    this_week = period_start(Period.WEEK, now, zone)
    if now - datetime.combine(this_week, time(), zone) >= DIGEST_WINDOW:
        return 0
    week = this_week - timedelta(days=7)
    period = f"{week.isocalendar().year}-W{week.isocalendar().week:02d}"
    product = await product_name(session)
    ranks = await _ranks(session, week)
    earned = dict(
        (
            await session.execute(
                select(PeriodTotal.user_id, PeriodTotal.points).where(
                    PeriodTotal.period == Period.WEEK, PeriodTotal.period_start == week
                )
            )
        ).all()
    )
    new_rewards = list(
        await session.scalars(
            select(Reward.title).where(
                Reward.is_active,
                ~Reward.groups.any(),
                Reward.created_at >= datetime.combine(week, time(), zone),
            )
        )
    )
    week_began = datetime.combine(week, time(), zone)
    new_content = [asset.title for asset in await open_content(session, since=week_began)]
    new_challenges = list(
        await session.scalars(
            select(Challenge.title).where(
                Challenge.status == ChallengeStatus.PUBLISHED,
                ~Challenge.groups.any(),
                Challenge.created_at >= week_began,
            )
        )
    )
    community_topics = await community.busiest_topics(session, since=week_began)
    sent = 0
    recipients = await program.in_send_hour(session, advocates(), send_hour_zones)
    async for rows in batches(session, recipients):
        for user, balance in rows:
            if not await claim(session, user_id=user.id, kind="weekly_digest", period=period):
                continue
            rank_now, rank_then = ranks.get(user.id, (0, 0))
            context = {
                **common_context(user, product),
                "week_points": earned.get(user.id, 0),
                "balance": balance.current,
                "rank": rank_now,
                "rank_change": rank_then - rank_now if rank_now and rank_then else 0,
                "new_rewards": new_rewards,
                "new_content": new_content,
                "new_challenges": new_challenges,
                "community_topics": community_topics,
            }
            queued = await outbox.queue_email(
                session,
                to=user.email,
                user_id=user.id,
                kind="weekly_digest",
                context=context,
                category=EmailCategory.DIGESTS,
            )
            sent += queued is not None
    return sent


ENDING_SOON = timedelta(hours=48)


async def remind_challenges_ending(
    session: AsyncSession, *, now: datetime, send_hour_zones: Collection[str] | None = None
) -> int:
    """In the last 48 hours before a challenge ends (which hold a send hour in every zone): the
    advocates it is meant for who haven't done it (no entry waiting or approved) and haven't
    dismissed it, the end named in their zone. Once per person and challenge."""
    ending = list(
        await session.scalars(
            select(Challenge).where(
                Challenge.status == ChallengeStatus.PUBLISHED,
                Challenge.ends_at > now,
                Challenge.ends_at <= now + ENDING_SOON,
                or_(Challenge.starts_at.is_(None), Challenge.starts_at <= now),
            )
        )
    )
    product = await product_name(session)
    config = await program.load_once(session)
    sent = 0
    for challenge in ending:
        done = select(Submission.user_id).where(
            Submission.challenge_id == challenge.id,
            Submission.status.in_([SubmissionStatus.PENDING, SubmissionStatus.APPROVED]),
        )
        dismissed = select(Dismissal.user_id).where(Dismissal.challenge_id == challenge.id)
        meant_for = select(ChallengeGroup.group_id).where(
            ChallengeGroup.challenge_id == challenge.id
        )
        query = await program.in_send_hour(
            session,
            advocates().where(User.id.not_in(done), User.id.not_in(dismissed)),
            send_hour_zones,
        )
        if await session.scalar(select(func.count()).select_from(meant_for.subquery())):
            query = query.where(
                User.id.in_(select(GroupMember.user_id).where(GroupMember.group_id.in_(meant_for)))
            )
        async for rows in batches(session, query):
            for user, _balance in rows:
                if not await claim(
                    session, user_id=user.id, kind="challenge_ending", period=str(challenge.id)
                ):
                    continue
                # The time left and the end are words and dates: written in the recipient's
                # language, as the rest of their email.
                with i18n.using(i18n.choose(own=user.language, program=config.language_code)):
                    ends_in = challenges.ends_in(challenge.ends_at, now=now)
                    ends_at = local_datetime(
                        challenge.ends_at, zones.person_zone(user.time_zone, config.zone_name)
                    )
                context = {
                    **common_context(user, product),
                    "challenge": challenge.title,
                    "points": challenge.points,
                    "ends_in": ends_in,
                    "ends_at": ends_at,
                    "link": links.absolute_url("challenges:detail", challenge_id=challenge.id),
                }
                queued = await outbox.queue_email(
                    session,
                    to=user.email,
                    user_id=user.id,
                    kind="challenge_ending",
                    context=context,
                    category=EmailCategory.CHALLENGES,
                )
                sent += queued is not None
    return sent
