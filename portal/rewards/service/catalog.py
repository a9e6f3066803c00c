"""The catalog an advocate sees: what is on offer to them, what is left, and whether they can
redeem it (and why not)."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.errors import Conflict, NotFound
from portal.i18n import N_
from portal.people.models import User
from portal.people.targeting import visible_to
from portal.rewards.models import (
    Redemption,
    RedemptionStatus,
    Reward,
    RewardCode,
    RewardGroup,
    RewardKind,
)

OPEN_STATUSES = (RedemptionStatus.REQUESTED, RedemptionStatus.APPROVED, RedemptionStatus.FULFILLED)
SHIPPING_FIELDS = ("name", "street", "city", "postal_code", "country", "phone")


class CannotRedeem(StrEnum):
    NOT_ENOUGH_POINTS = "not_enough_points"
    SOLD_OUT = "sold_out"
    LIMIT_REACHED = "limit_reached"
    INACTIVE = "inactive"


class RedeemRefused(Conflict):
    def __init__(self, reason: CannotRedeem, message: str) -> None:
        self.reason = reason
        super().__init__(message)


@dataclass(frozen=True)
class CatalogItem:
    reward: Reward
    left: int | None  # None = unlimited
    redeemed_by_viewer: int

    def points_short(self, balance: int) -> int:
        return max(0, self.reward.cost - balance)


def _visible_to(user: User) -> Any:
    """Rewards with no target groups, or a group the user belongs to."""
    return visible_to(
        user,
        is_targeted=Reward.is_targeted,
        thing_id=Reward.id,
        link_thing_id=RewardGroup.reward_id,
        link_group_id=RewardGroup.group_id,
        staff_see_all=False,
    )


async def catalog(
    session: AsyncSession, *, viewer: User, kind: RewardKind | None = None
) -> list[CatalogItem]:
    query = select(Reward).where(Reward.is_active, _visible_to(viewer))
    if kind is not None:
        query = query.where(Reward.kind == kind)
    return await _with_counts(session, viewer, query.order_by(Reward.cost, Reward.id))


async def _with_counts(session: AsyncSession, viewer: User, query: Any) -> list[CatalogItem]:
    """The rewards with what is left of each and how often the viewer holds them."""
    rewards = list(await session.scalars(query))
    ids = [r.id for r in rewards]
    free_codes = dict(
        (
            await session.execute(
                select(RewardCode.reward_id, func.count())
                .where(RewardCode.reward_id.in_(ids), RewardCode.redemption_id.is_(None))
                .group_by(RewardCode.reward_id)
            )
        ).all()
    )
    mine = dict(
        (
            await session.execute(
                select(Redemption.reward_id, func.count())
                .where(
                    Redemption.user_id == viewer.id,
                    Redemption.reward_id.in_(ids),
                    Redemption.status.in_(OPEN_STATUSES),
                )
                .group_by(Redemption.reward_id)
            )
        ).all()
    )
    return [CatalogItem(r, _left(r, free_codes.get(r.id, 0)), mine.get(r.id, 0)) for r in rewards]


def _left(reward: Reward, free_codes: int) -> int | None:
    return free_codes if reward.uses_code_pool else reward.inventory


async def access_reward(session: AsyncSession, *, viewer: User, reward_id: int) -> CatalogItem:
    """A reward targeted at the viewer (another group's answers 404). An inactive one is
    found, so its page can say it is no longer available."""
    items = await _with_counts(
        session, viewer, select(Reward).where(Reward.id == reward_id, _visible_to(viewer))
    )
    if not items:
        raise NotFound()
    return items[0]


async def last_shipping(session: AsyncSession, user: User) -> dict[str, str]:
    """The shipping details of the person's last physical redemption, to prefill the form."""
    shipping = await session.scalar(
        select(Redemption.shipping)
        .where(Redemption.user_id == user.id, Redemption.shipping.is_not(None))
        .order_by(Redemption.id.desc())
        .limit(1)
    )
    return {k: str(v) for k, v in (shipping or {}).items()}


def why_cannot_redeem(item: CatalogItem, *, balance: int) -> CannotRedeem | None:
    reward = item.reward
    if not reward.is_active:
        return CannotRedeem.INACTIVE
    if item.left == 0:
        return CannotRedeem.SOLD_OUT
    if reward.per_user_limit is not None and item.redeemed_by_viewer >= reward.per_user_limit:
        return CannotRedeem.LIMIT_REACHED
    if balance < reward.cost:
        return CannotRedeem.NOT_ENOUGH_POINTS
    return None


MESSAGES = {
    CannotRedeem.NOT_ENOUGH_POINTS: N_("You don't have enough points for this reward yet."),
    CannotRedeem.SOLD_OUT: N_("Sorry, this reward is sold out."),
    CannotRedeem.LIMIT_REACHED: N_("You have redeemed this reward as often as it allows."),
    CannotRedeem.INACTIVE: N_("This reward is no longer available."),
}
