"""Telling the program team when stock runs low: a code pool under the threshold (Manage →
Settings → Trust and fulfilment) and a reward that ran out. Each alert goes out once per
crossing: a conditional update stamps the reward, and new stock clears the stamp."""

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from portal.clock import utcnow
from portal.i18n import N_, gettext, number
from portal.notifications import service as notifications
from portal.people.models import Role, User, UserRole, UserStatus
from portal.rewards.models import Reward, RewardCode
from portal.trust import service as trust


async def units_left(session: AsyncSession, reward: Reward) -> int | None:
    """Unused codes for a code pool, the inventory otherwise (None: unlimited)."""
    if reward.uses_code_pool:
        free = await session.scalar(
            select(func.count()).where(
                RewardCode.reward_id == reward.id, RewardCode.redemption_id.is_(None)
            )
        )
        return free or 0
    return await session.scalar(select(Reward.inventory).where(Reward.id == reward.id))


async def unit_taken(session: AsyncSession, reward: Reward) -> None:
    """After a redemption took a unit or a code: alert when this one crossed a line."""
    left = await units_left(session, reward)
    if left is None:
        return
    if left == 0:
        if await _stamp(session, reward, Reward.sold_out_alerted_at):
            await _alert(
                session,
                reward,
                title=N_("%(reward)s has run out"),
                body=N_("Advocates can't redeem it until you add codes.")
                if reward.uses_code_pool
                else N_("Advocates can't redeem it until you add stock."),
                named={"reward": reward.title},
                left=0,
            )
        return
    threshold = (await trust.load_settings(session)).low_code_pool
    low = reward.uses_code_pool and left < threshold
    if low and await _stamp(session, reward, Reward.low_stock_alerted_at):
        await _alert(
            session,
            reward,
            title=N_("%(reward)s: only %(left)s codes left"),
            body=N_(
                "The pool fell under %(threshold)s unused codes. Add codes before it runs out."
            ),
            named={"reward": reward.title, "left": number(left), "threshold": number(threshold)},
            left=left,
        )


async def stock_added(session: AsyncSession, reward: Reward) -> None:
    """After codes were added, a unit came back or the inventory was raised: the next crossing
    alerts again."""
    left = await units_left(session, reward)
    if left is None or left == 0:
        return
    values: dict[str, None] = {"sold_out_alerted_at": None}
    if left >= (await trust.load_settings(session)).low_code_pool:
        values["low_stock_alerted_at"] = None
    await session.execute(
        update(Reward)
        .where(Reward.id == reward.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def _stamp(
    session: AsyncSession, reward: Reward, column: InstrumentedAttribute[datetime | None]
) -> bool:
    """True for the one transaction that stamps the alert (two redeemers never both alert)."""
    stamped = await session.execute(
        update(Reward)
        .where(Reward.id == reward.id, column.is_(None))
        .values({column: utcnow()})
        .returning(Reward.id)
        .execution_options(synchronize_session=False)
    )
    return stamped.one_or_none() is not None


async def _alert(
    session: AsyncSession,
    reward: Reward,
    *,
    title: str,
    body: str,
    named: dict[str, str],
    left: int,
) -> None:
    """Every active marketer and admin, in the bell and by email, each in their own language:
    `title` and `body` are messages filled from `named`."""
    staff = await session.scalars(
        select(User).where(
            User.status == UserStatus.ACTIVE,
            User.roles.any(UserRole.role.in_([Role.MARKETER, Role.ADMIN])),
        )
    )
    for person in staff:
        async with notifications.in_language_of(session, person):
            shown_title, shown_body = gettext(title) % named, gettext(body) % named
        await notifications.tell(
            session,
            person,
            kind="reward_stock",
            title=shown_title,
            body=shown_body,
            route="manage_rewards:edit",
            params={"reward_id": reward.id},
            category=None,
            email_context={
                "title": shown_title,
                "reward": reward.title,
                "left": left,
                "body": shown_body,
            },
        )
