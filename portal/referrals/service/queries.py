"""What the referral pages read: an advocate's own referrals, the sales pipeline, the reps."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Select, bindparam, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from portal.clock import utcnow
from portal.errors import NotFound
from portal.people.models import Role, User, UserRole
from portal.referrals.models import Referral, ReferralClick, ReferralEvent, ReferralNote, Stage

PIPELINE_LIMIT = 500
OPEN_STAGES = (Stage.SUBMITTED, Stage.CONTACTED, Stage.QUALIFIED, Stage.OPPORTUNITY)


async def list_own_referrals(session: AsyncSession, user: User) -> list[Referral]:
    """The advocate's referrals with their timelines (never the internal notes)."""
    return list(
        await session.scalars(
            select(Referral)
            .where(Referral.referrer_id == user.id)
            .options(selectinload(Referral.events))
            .order_by(Referral.created_at.desc(), Referral.id.desc())
        )
    )


async def access_own_referral(session: AsyncSession, user: User, referral_id: int) -> Referral:
    """The advocate's own referral; someone else's is as missing as one that does not exist."""
    referral = await session.scalar(
        select(Referral)
        .where(Referral.id == referral_id, Referral.referrer_id == user.id)
        .options(selectinload(Referral.events))
    )
    if referral is None:
        raise NotFound()
    return referral


async def access_referral(session: AsyncSession, referral_id: int) -> Referral:
    """Any referral, for sales staff: with referrer, owner and history."""
    referral = await session.scalar(
        select(Referral)
        .where(Referral.id == referral_id)
        .options(
            selectinload(Referral.referrer),
            selectinload(Referral.owner),
            selectinload(Referral.events).selectinload(ReferralEvent.actor),
        )
    )
    if referral is None:
        raise NotFound()
    return referral


async def list_notes(session: AsyncSession, referral: Referral) -> list[ReferralNote]:
    return list(
        await session.scalars(
            select(ReferralNote)
            .where(ReferralNote.referral_id == referral.id)
            .options(selectinload(ReferralNote.author))
            .order_by(ReferralNote.created_at.desc(), ReferralNote.id.desc())
        )
    )


@dataclass(frozen=True)
class PipelineFilter:
    stage: Stage | None = None
    owner: str = "anyone"  # "mine", "unassigned" or "anyone"
    max_age_days: int | None = None
    referrer_id: int | None = None
    search: str = ""
    flagged: bool = False
    open_only: bool = False  # submitted to opportunity
    quiet_days: int | None = None  # open, and unchanged for at least this many days

    def shows(self, stage: Stage) -> bool:
        """Whether the board has a column for this stage."""
        if self.stage is not None:
            return stage == self.stage
        return stage in OPEN_STAGES or not (self.open_only or self.quiet_days)


def _filtered(query: Select[Referral], f: PipelineFilter, viewer: User) -> Select[Referral]:
    if f.stage is not None:
        query = query.where(Referral.stage == f.stage)
    if f.owner == "mine":
        query = query.where(Referral.owner_id == viewer.id)
    elif f.owner == "unassigned":
        query = query.where(Referral.owner_id.is_(None))
    if f.max_age_days is not None:
        query = query.where(Referral.created_at >= utcnow() - timedelta(days=f.max_age_days))
    if f.referrer_id is not None:
        query = query.where(Referral.referrer_id == f.referrer_id)
    if f.search:
        pattern = f"%{f.search.lower()}%"
        query = query.where(
            or_(
                func.lower(Referral.prospect_name).like(pattern),
                Referral.prospect_email.like(pattern),
                func.lower(Referral.prospect_company).like(pattern),
            )
        )
    if f.flagged:
        query = query.where(Referral.flags != "")
    if f.open_only or f.quiet_days is not None:
        query = query.where(Referral.stage.in_(OPEN_STAGES))
    if f.quiet_days is not None:
        query = query.where(Referral.updated_at <= utcnow() - timedelta(days=f.quiet_days))
    return query


async def list_pipeline(
    session: AsyncSession, *, viewer: User, filters: PipelineFilter
) -> list[Referral]:
    """The referrals the filters select, newest change first, with their referrer and owner."""
    return (
        await pipeline_board(session, viewer=viewer, filters=filters, referrers=False)
    ).referrals


@dataclass(frozen=True)
class Board:
    referrals: list[Referral]
    referrers: list[User]  # everyone who referred someone, by name: the referrer filter


async def pipeline_board(
    session: AsyncSession, *, viewer: User, filters: PipelineFilter, referrers: bool = True
) -> Board:
    """The pipeline's referrals and, from one read of `users`, the people they name (referrer,
    owner) and, with `referrers`, everyone who referred someone."""
    referrals = list(
        await session.scalars(
            _filtered(select(Referral), filters, viewer)
            .order_by(Referral.updated_at.desc(), Referral.id.desc())
            .limit(PIPELINE_LIMIT)
        )
    )
    named = {r.referrer_id for r in referrals} | {r.owner_id for r in referrals if r.owner_id}
    referred = User.id.in_(select(Referral.referrer_id)) if referrers else false()
    rows = (
        await session.execute(
            select(User, referred)
            .where(or_(User.id.in_(named), referred))
            .order_by(User.display_name, User.id)
        )
    ).all()
    people = {user.id: user for user, _ in rows}
    for referral in referrals:
        set_committed_value(referral, "referrer", people[referral.referrer_id])
        owner = people[referral.owner_id] if referral.owner_id is not None else None
        set_committed_value(referral, "owner", owner)
    return Board(referrals, [user for user, is_referrer in rows if is_referrer])


async def list_reps(session: AsyncSession) -> list[User]:
    """People a referral can be assigned to: sales reps and admins."""
    return list(
        await session.scalars(
            select(User)
            .where(
                User.id.in_(
                    select(UserRole.user_id).where(UserRole.role.in_([Role.SALES, Role.ADMIN]))
                )
            )
            .options(selectinload(User.roles))
            .order_by(User.display_name)
        )
    )


async def access_rep(session: AsyncSession, user_id: int) -> User:
    user = await session.scalar(
        select(User).where(User.id == user_id).options(selectinload(User.roles))
    )
    if user is None:
        raise NotFound()
    return user


@dataclass(frozen=True)
class LinkStats:
    clicks: int
    referrals: int


# Both counts in one round trip, built once (Home reads them on every visit).
_CLICKS = ReferralClick.__table__
_REFERRALS = Referral.__table__
_LINK_STATS = select(
    select(func.count())
    .select_from(_CLICKS)
    .where(_CLICKS.c.referrer_id == bindparam("user_id"))
    .scalar_subquery(),
    select(func.count())
    .select_from(_REFERRALS)
    .where(_REFERRALS.c.referrer_id == bindparam("user_id"), _REFERRALS.c.source == "link")
    .scalar_subquery(),
)


async def link_stats(session: AsyncSession, user: User) -> LinkStats:
    clicks, referrals = (await session.execute(_LINK_STATS, {"user_id": user.id})).one()
    return LinkStats(clicks=clicks or 0, referrals=referrals or 0)
