"""A person's last activity (the People table's column): the award moves it in its own balance
UPDATE; a visit, raised by people.sessions as an event, moves it here."""

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal import events
from portal.points.models import Balance


async def note_visit(session: AsyncSession, event: events.PersonVisited) -> None:
    """Only forwards: a visit recorded late (a job marking a session seen) never moves it back."""
    await session.execute(
        update(Balance)
        .where(
            Balance.user_id == event.user_id,
            or_(Balance.last_active_at.is_(None), Balance.last_active_at < event.at),
        )
        .values(last_active_at=event.at)
        .execution_options(synchronize_session=False)
    )
