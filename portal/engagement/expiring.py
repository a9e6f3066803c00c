"""The reminder that points expire soon (when expiry is on): once per person and expiry day,
in the bell and by email, 30 days ahead, in the person's language and the morning of their day.
Hourly like the other sweeps; the claim in `nudges` makes a rerun or a second worker send
nothing twice."""

from collections.abc import Collection
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from portal import i18n, zones
from portal.engagement.service import advocates, batches, claim
from portal.notifications import service as notifications
from portal.outbox.models import EmailCategory
from portal.points import service as points
from portal.points.models import Balance
from portal.program import service as program
from portal.templating import local_date

KIND = "points_expiring"


async def remind_points_expiring(
    session: AsyncSession, *, now: datetime, send_hour_zones: Collection[str] | None = None
) -> int:
    """Tells the advocates whose points expire within 30 days; the number told."""
    if (await points.load_rules(session)).expiry_start is None:
        return 0
    config = await program.load_once(session)
    query = await program.in_send_hour(
        session, advocates().where(Balance.current > 0), send_hour_zones
    )
    told = 0
    async for rows in batches(session, query):
        for user, balance in rows:
            expiring = await points.expiring_soon(session, user, now=now)
            if expiring is None or not await claim(
                session, user_id=user.id, kind=KIND, period=expiring.on.isoformat()
            ):
                continue
            language = i18n.choose(own=user.language, program=config.language_code)
            with i18n.using(language):
                day = local_date(expiring.on, zones.zone(config.zone_name))
                title = i18n.ngettext(
                    "%(num)s point expires on %(day)s",
                    "%(num)s points expire on %(day)s",
                    expiring.points,
                ) % {"num": i18n.number(expiring.points), "day": day}
            await notifications.tell(
                session,
                user,
                kind=KIND,
                title=title,
                route="points:how_to_earn",
                params={},
                category=EmailCategory.REMINDERS,
                email_context={
                    "title": title,
                    "points": expiring.points,
                    "expires_on": day,
                    "balance": balance.current,
                },
            )
            told += 1
    return told
