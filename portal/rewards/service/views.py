"""What the advocate's reward pages read, in one call each."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from portal.i18n import gettext
from portal.people.models import User
from portal.points import service as points
from portal.rewards.models import (
    RewardKind,
)
from portal.rewards.service.catalog import (
    MESSAGES,
    CannotRedeem,
    CatalogItem,
    access_reward,
    catalog,
    last_shipping,
    why_cannot_redeem,
)

# --- what the advocate's pages show -----------------------------------------------------------


@dataclass(frozen=True)
class CatalogView:
    items: list[CatalogItem]
    balance: int


async def catalog_view(
    session: AsyncSession, *, viewer: User, kind: RewardKind | None, affordable: bool
) -> CatalogView:
    balance = (await points.balance_of(session, viewer)).current
    items = await catalog(session, viewer=viewer, kind=kind)
    if affordable:
        items = [i for i in items if why_cannot_redeem(i, balance=balance) is None]
    return CatalogView(items=items, balance=balance)


@dataclass(frozen=True)
class RedeemView:
    item: CatalogItem
    balance: int
    blocked: CannotRedeem | None
    shipping: dict[str, str]

    @property
    def blocked_message(self) -> str:
        return gettext(MESSAGES[self.blocked]) if self.blocked else ""


async def redeem_view(session: AsyncSession, *, viewer: User, reward_id: int) -> RedeemView:
    item = await access_reward(session, viewer=viewer, reward_id=reward_id)
    balance = (await points.balance_of(session, viewer)).current
    return RedeemView(
        item=item,
        balance=balance,
        blocked=why_cannot_redeem(item, balance=balance),
        shipping=await last_shipping(session, viewer) if item.reward.needs_shipping else {},
    )
