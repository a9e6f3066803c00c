"""Demo history for the reports: the days each demo advocate used the portal since they joined
(up to six months), in time order, through the call a signed-in page makes (so "Active" has a
shape); and the demo marketer gets the weekly program summary. Rerunning adds nothing: a person
has one row per day, and one subscription."""

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.people import sessions
from portal.people.models import Role, User
from portal.reports import summary

DAYS = 180


async def seed(session: AsyncSession, users: dict[str, User]) -> None:
    advocates = [u for u in users.values() if Role.ADVOCATE in u.role_set]
    for days_ago in range(DAYS, -1, -1):
        for n, advocate in enumerate(advocates):
            # Busy people visit every other day, quiet ones once a week or two; a few more
            # visit as the program grows.
            every = 2 + n % 6
            moment = clock.utcnow() - timedelta(days=days_ago, hours=n % 5)
            joined = moment >= advocate.created_at
            if joined and (days_ago + n) % every == 0 and (n < 8 or days_ago < 40):
                await sessions.record_visit(session, advocate, moment)
    await summary.subscribe(session, users["marketer@acme.example"], on=True)
