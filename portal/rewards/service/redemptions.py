"""Redeeming: spending the points and taking a unit (or a code) in one transaction; approving,
rejecting (with the refund), cancelling and fulfilling."""

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal import events, links
from portal.clock import utcnow
from portal.errors import Conflict, NotFound
from portal.i18n import N_, gettext
from portal.notifications import service as notifications
from portal.outbox.models import EmailCategory
from portal.people.models import User
from portal.points import service as points
from portal.rewards.models import (
    Redemption,
    RedemptionStatus,
    Reward,
    RewardCode,
    RewardKind,
)
from portal.rewards.service.catalog import (
    MESSAGES,
    OPEN_STATUSES,
    CannotRedeem,
    RedeemRefused,
    access_reward,
)
from portal.rewards.service.stock import stock_added, unit_taken
from portal.trust import service as trust
from portal.wording import wording


async def request_redemption(
    session: AsyncSession,
    *,
    user: User,
    reward_id: int,
    key: str,
    shipping: dict[str, str] | None,
) -> Redemption:
    """Spends the points, takes a unit (or a code) and records the redemption, all or nothing.
    The same form key twice returns the first redemption."""
    earlier = await session.scalar(select(Redemption).where(Redemption.request_key == key))
    if earlier is not None:
        if earlier.user_id != user.id:
            raise NotFound()
        return earlier
    item = await access_reward(session, viewer=user, reward_id=reward_id)
    reward = item.reward
    if not reward.is_active:
        raise RedeemRefused(CannotRedeem.INACTIVE, MESSAGES[CannotRedeem.INACTIVE])
    if not item.level_reached:  # levels only rise: a check before the spend is enough
        raise RedeemRefused(
            CannotRedeem.LEVEL_REQUIRED, f"This reward is for {item.required_level} and above."
        )
    try:
        redemption = await _redeem(session, user=user, reward=reward, key=key, shipping=shipping)
    except IntegrityError:  # the same form, submitted twice at once: the first one won
        earlier = await session.scalar(select(Redemption).where(Redemption.request_key == key))
        if earlier is None or earlier.user_id != user.id:
            raise
        return earlier
    if redemption.status == RedemptionStatus.REQUESTED:
        await _notify_fulfillers(session, redemption, reward=reward, user=user)
    await session.refresh(redemption, ["reward", "code"])
    return redemption


async def _redeem(
    session: AsyncSession,
    *,
    user: User,
    reward: Reward,
    key: str,
    shipping: dict[str, str] | None,
) -> Redemption:
    async with session.begin_nested():
        # Conditional: a unit is taken only while one is left; it also serialises redeemers.
        taken = await session.execute(
            update(Reward)
            .where(
                Reward.id == reward.id,
                Reward.is_active,
                or_(Reward.inventory.is_(None), Reward.inventory > 0),
            )
            .values(inventory=Reward.inventory - 1)
            .returning(Reward.id)
            .execution_options(synchronize_session=False)
        )
        if taken.one_or_none() is None:
            active = await session.scalar(select(Reward.is_active).where(Reward.id == reward.id))
            reason = CannotRedeem.SOLD_OUT if active else CannotRedeem.INACTIVE
            raise RedeemRefused(reason, MESSAGES[reason])
        if reward.per_user_limit is not None:
            held = await session.scalar(
                select(func.count()).where(
                    Redemption.user_id == user.id,
                    Redemption.reward_id == reward.id,
                    Redemption.status.in_(OPEN_STATUSES),
                )
            )
            if (held or 0) >= reward.per_user_limit:
                raise RedeemRefused(
                    CannotRedeem.LIMIT_REACHED, MESSAGES[CannotRedeem.LIMIT_REACHED]
                )
        redemption = Redemption(
            user_id=user.id,
            reward_id=reward.id,
            cost=reward.cost,
            status=RedemptionStatus.REQUESTED,
            request_key=key,
            shipping=shipping if reward.needs_shipping else None,
        )
        session.add(redemption)
        await session.flush()
        try:
            await points.spend(
                session,
                user,
                points=reward.cost,
                reason=wording(N_("Redeemed: %(reward)s"), reward=reward.title_source),
                key=f"redemption:{redemption.id}:spend",
                source=points.Source("redemption", redemption.id),
            )
        except points.InsufficientPoints as error:
            raise RedeemRefused(CannotRedeem.NOT_ENOUGH_POINTS, error.message) from error
        await publish_change(session, redemption)
        if reward.inventory is not None:  # a code pool's unit is its code, taken on approval
            await unit_taken(session, reward)
        verdict = await trust.redemption_verdict(
            session,
            user_id=user.id,
            reward_needs_approval=reward.needs_approval,
            delivered_as_code=reward.kind in (RewardKind.CODE, RewardKind.GIFT_CARD),
            cost=reward.cost,
        )
        if not verdict.needs_review:
            await approve_now(session, redemption, reward=reward, user=user, by=None)
        await trust.record_verdict(
            session,
            verdict,
            target_type="redemption",
            target_id=redemption.id,
            subject=f"{reward.title} for {user.email}",
        )
    return redemption


async def approve_now(
    session: AsyncSession,
    redemption: Redemption,
    *,
    reward: Reward,
    user: User,
    by: User | None,
) -> None:
    now = utcnow()
    redemption.status = RedemptionStatus.APPROVED
    redemption.approved_at = now
    redemption.decided_by_id = by.id if by else None
    if reward.uses_code_pool:
        code = await _assign_code(session, reward_id=reward.id, redemption_id=redemption.id)
        await unit_taken(session, reward)
        redemption.status = RedemptionStatus.FULFILLED
        redemption.fulfilled_at = now
        await tell_advocate(
            session,
            redemption,
            user=user,
            reward=reward,
            title=N_("Your %(reward)s code is ready"),
            code=code.code,
        )
    else:
        await tell_advocate(
            session,
            redemption,
            user=user,
            reward=reward,
            title=N_("Your %(reward)s redemption is approved"),
        )
    await session.flush()
    await publish_change(session, redemption)


async def publish_change(session: AsyncSession, redemption: Redemption) -> None:
    await events.publish(
        session,
        events.RedemptionChanged(
            redemption_id=redemption.id,
            reward_id=redemption.reward_id,
            user_id=redemption.user_id,
            status=str(redemption.status),
        ),
    )


async def _assign_code(session: AsyncSession, *, reward_id: int, redemption_id: int) -> RewardCode:
    """Gives the next unused code to this redemption; two redeemers never get the same one."""
    free = (
        select(RewardCode.id)
        .where(RewardCode.reward_id == reward_id, RewardCode.redemption_id.is_(None))
        .order_by(RewardCode.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    code_id = await session.scalar(
        update(RewardCode)
        .where(RewardCode.id == free, RewardCode.redemption_id.is_(None))
        .values(redemption_id=redemption_id, assigned_at=utcnow())
        .returning(RewardCode.id)
        .execution_options(synchronize_session=False)
    )
    if code_id is None:
        raise RedeemRefused(CannotRedeem.SOLD_OUT, MESSAGES[CannotRedeem.SOLD_OUT])
    code = await session.get(RewardCode, code_id, populate_existing=True)
    assert code is not None  # noqa: S101 (just updated)
    return code


async def tell_advocate(
    session: AsyncSession,
    redemption: Redemption,
    *,
    user: User,
    reward: Reward,
    title: str,
    code: str | None = None,
) -> None:
    """Tells the advocate what became of their redemption: `title` is a message naming the
    %(reward)s, written in the advocate's language."""
    async with notifications.in_language_of(session, user):
        title = gettext(title) % {"reward": reward.title}
    await notifications.tell(
        session,
        user,
        kind="redemption_status",
        title=title,
        route="rewards:redemption",
        params={"redemption_id": redemption.id},
        category=EmailCategory.REWARDS,
        email_context={
            "title": title,
            "reward": reward.title,
            "status": str(redemption.status),
            "code": code,
            "tracking_note": redemption.tracking_note,
            "reject_reason": redemption.reject_reason,
            "refunded": RedemptionStatus(redemption.status).is_closed,
            "cost": redemption.cost,
        },
    )


async def _notify_fulfillers(
    session: AsyncSession, redemption: Redemption, *, reward: Reward, user: User
) -> None:
    await notifications.notify_program_staff(
        session,
        kind="redemption_to_fulfil",
        title=wording(
            N_("%(name)s redeemed %(reward)s"), name=user.display_name, reward=reward.title_source
        ),
        link=links.path_for("manage_rewards:queue")
        + f"?status=requested#redemption-{redemption.id}",
    )


async def access_redemption(
    session: AsyncSession, *, viewer: User, redemption_id: int, staff: bool = False
) -> Redemption:
    query = (
        select(Redemption)
        .where(Redemption.id == redemption_id)
        .options(selectinload(Redemption.reward), selectinload(Redemption.code))
        .options(selectinload(Redemption.user))
    )
    if not staff:
        query = query.where(Redemption.user_id == viewer.id)
    redemption = await session.scalar(query)
    if redemption is None:
        raise NotFound()
    return redemption


async def my_redemptions(session: AsyncSession, *, user: User) -> list[Redemption]:
    return list(
        await session.scalars(
            select(Redemption)
            .where(Redemption.user_id == user.id)
            .options(selectinload(Redemption.reward), selectinload(Redemption.code))
            .order_by(Redemption.id.desc())
        )
    )


async def close_redemption(
    session: AsyncSession,
    redemption: Redemption,
    *,
    status: RedemptionStatus,
    reason: str,
    by: User | None,
) -> Redemption:
    """Rejects or cancels: refunds once and returns the unit. A code already revealed stays
    with this redemption (it was seen, so it can't go back in the pool)."""
    reward = redemption.reward
    closed = await session.execute(
        update(Redemption)
        .where(
            Redemption.id == redemption.id,
            Redemption.status.in_([RedemptionStatus.REQUESTED, RedemptionStatus.APPROVED]),
        )
        .values(
            status=status,
            closed_at=utcnow(),
            reject_reason=reason,
            decided_by_id=by.id if by else None,
        )
        .execution_options(synchronize_session=False)
    )
    if closed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(N_("This redemption was already handled."))
    await session.refresh(redemption, ["status", "closed_at", "reject_reason", "decided_by_id"])
    await points.refund(
        session,
        redemption.user,
        points=redemption.cost,
        reason=wording(
            N_("Refund: %(reward)s (%(status)s)"),
            translated={"status"},
            reward=reward.title_source,
            status=status.value,
        ),
        key=f"redemption:{redemption.id}:refund",
        source=points.Source("redemption", redemption.id),
    )
    if reward.inventory is not None and not reward.uses_code_pool:
        await session.execute(
            update(Reward)
            .where(Reward.id == reward.id)
            .values(inventory=Reward.inventory + 1)
            .execution_options(synchronize_session=False)
        )
        await stock_added(session, reward)
    await publish_change(session, redemption)
    return redemption


async def cancel_redemption(session: AsyncSession, *, user: User, redemption_id: int) -> Redemption:
    redemption = await access_redemption(session, viewer=user, redemption_id=redemption_id)
    if redemption.status != RedemptionStatus.REQUESTED:
        raise Conflict(N_("Only a redemption that is still waiting for approval can be cancelled."))
    return await close_redemption(
        session,
        redemption,
        status=RedemptionStatus.CANCELLED,
        reason="",
        by=None,
    )
