"""Balances checked against their ledger: a nightly job reports any that disagree."""

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.points.models import Balance, LedgerEntry


@dataclass(frozen=True)
class Mismatch:
    user_id: int
    current: int
    ledger_current: int
    lifetime: int
    ledger_lifetime: int


async def reconcile_balances(session: AsyncSession) -> list[Mismatch]:
    """Balances that disagree with their ledger. Reported, never silently fixed."""
    sums = (
        select(
            LedgerEntry.user_id.label("user_id"),
            func.sum(LedgerEntry.delta).label("current"),
            func.sum(case((LedgerEntry.counts_toward_lifetime, LedgerEntry.delta), else_=0)).label(
                "lifetime"
            ),
        )
        .group_by(LedgerEntry.user_id)
        .subquery()
    )
    rows = await session.execute(
        select(
            Balance.user_id,
            Balance.current,
            func.coalesce(sums.c.current, 0),
            Balance.lifetime,
            func.coalesce(sums.c.lifetime, 0),
        )
        .outerjoin(sums, sums.c.user_id == Balance.user_id)
        .where(
            (Balance.current != func.coalesce(sums.c.current, 0))
            | (Balance.lifetime != func.coalesce(sums.c.lifetime, 0))
        )
    )
    return [Mismatch(*row) for row in rows]
