"""What people do with a broadcast: open it in the portal, follow a link in it; and the counts
of that per broadcast for the program team."""

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import utcnow
from portal.errors import NotFound
from portal.messages import copies
from portal.messages.models import Broadcast, Delivery
from portal.pagination import Page
from portal.people.models import User


@dataclass(frozen=True)
class Stats:
    recipients: int
    delivered: int
    emailed: int
    opened: int
    clicked: int


NO_STATS = Stats(0, 0, 0, 0, 0)


async def stats_of(session: AsyncSession, broadcasts: list[Broadcast]) -> dict[int, Stats]:
    """Recipients as counted when sending began; the rest from the delivery rows."""
    ids = [b.id for b in broadcasts]
    rows = await session.execute(
        select(
            Delivery.broadcast_id,
            func.count(),
            func.count().filter(Delivery.emailed),
            func.count(Delivery.opened_at),
            func.count(Delivery.clicked_at),
        )
        .where(Delivery.broadcast_id.in_(ids))
        .group_by(Delivery.broadcast_id)
    )
    counts = {row[0]: row[1:] for row in rows}
    stats = {}
    for broadcast in broadcasts:
        delivered, emailed, opened, clicked = counts.get(broadcast.id, (0, 0, 0, 0))
        stats[broadcast.id] = Stats(broadcast.recipients, delivered, emailed, opened, clicked)
    return stats


async def list_broadcasts(
    session: AsyncSession, *, page: int = 1, per_page: int = 30
) -> Page[Broadcast]:
    total = await session.scalar(select(func.count(Broadcast.id))) or 0
    rows = await session.scalars(
        select(Broadcast)
        .order_by(Broadcast.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return Page(items=list(rows), page=page, per_page=per_page, total=total)


async def open_message(
    session: AsyncSession, *, viewer: User, broadcast_id: int
) -> tuple[Broadcast, copies.Copy]:
    """The viewer's copy of a broadcast they received (404 for anyone else), counted as opened
    the first time."""
    found = (
        await session.execute(
            select(Broadcast, Delivery)
            .join(Delivery, Delivery.broadcast_id == Broadcast.id)
            .where(Broadcast.id == broadcast_id, Delivery.user_id == viewer.id)
        )
    ).first()
    if found is None:
        raise NotFound()
    broadcast, delivery = found
    if delivery.opened_at is None:
        delivery.opened_at = utcnow()
        await session.flush()
    return broadcast, copies.personal_copy(broadcast, viewer, token=delivery.token, absolute=False)


async def follow_link(session: AsyncSession, *, token: str, number: int) -> str:
    """Where link `number` of the copy named by `token` goes; the first click counts."""
    found = (
        await session.execute(
            select(Delivery.id, Broadcast.body_html)
            .join(Broadcast, Broadcast.id == Delivery.broadcast_id)
            .where(Delivery.token == token)
        )
    ).first()
    if found is None:
        raise NotFound()
    delivery_id, body_html = found
    targets = copies.link_targets(body_html)
    if not 0 <= number < len(targets):
        raise NotFound()
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.clicked_at.is_(None))
        .values(clicked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return targets[number]
