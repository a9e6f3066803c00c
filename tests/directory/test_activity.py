"""The People table's last activity is stored with the balance: a visit and points earned move
it forwards only; the sort puts never-active people last newest first and first oldest first,
and the activity filter reads the same column."""

from datetime import timedelta

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import utcnow
from portal.people.sessions import record_visit
from portal.points.models import Balance
from tests.factories import give_points, login_as, make_advocate, make_marketer


def _names(html: str) -> list[str]:
    page = BeautifulSoup(html, "html.parser")
    return [row.strong.get_text() for row in page.select("#people-table tbody tr")]


async def test_visits_and_points_move_last_activity_and_the_sort_reads_it(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    visitor = await make_advocate(session, name="Vera Visitor")
    earner = await make_advocate(session, name="Ellen Earner")
    await make_advocate(session, name="Quiet Quinn")
    week_ago = utcnow() - timedelta(days=7)
    await record_visit(session, visitor, week_ago)
    await give_points(session, earner, 10)  # now
    await record_visit(session, earner, week_ago)  # a late-recorded older visit
    stored = dict((await session.execute(select(Balance.user_id, Balance.last_active_at))).all())
    assert stored[visitor.id] == week_ago
    assert stored[earner.id] > week_ago  # never moved back

    await login_as(client, await make_marketer(session))
    newest = await client.get("/manage/people/?role=advocate&sort=activity&dir=desc")
    assert _names(newest.text) == ["Ellen Earner", "Vera Visitor", "Quiet Quinn"]
    oldest = await client.get("/manage/people/?role=advocate&sort=activity&dir=asc")
    assert _names(oldest.text) == ["Quiet Quinn", "Vera Visitor", "Ellen Earner"]
    since = (utcnow() - timedelta(days=2)).date().isoformat()
    lately = await client.get(f"/manage/people/?role=advocate&active_from={since}")
    assert _names(lately.text) == ["Ellen Earner"]
