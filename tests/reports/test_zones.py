"""Report periods follow the viewer's time zone: "today", a custom range and "this month" are
their dates, figures counted from timestamps are bounded by their midnights, and the daily
rollups (kept per UTC day) are read for the UTC day holding the middle of each of their days.
One viewer in Pacific/Auckland (UTC+13 in December), one in America/Los_Angeles (UTC-8)."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import httpx
from bs4 import BeautifulSoup
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import QueryParams

from portal import clock
from portal.people import sessions
from portal.reports.engagement import engagement
from portal.reports.overview import overview
from portal.reports.periods import Period, parse
from portal.reports.value import ValueSettings
from tests.factories import give_points, login_as, make_advocate, make_marketer

AUCKLAND, LOS_ANGELES = ZoneInfo("Pacific/Auckland"), ZoneInfo("America/Los_Angeles")
# 20:00 UTC on 1 December: 09:00 on 2 December in Auckland, 12:00 on 1 December in Los Angeles.
MOMENT = datetime(2026, 12, 1, 20, tzinfo=UTC)
DEC_1, DEC_2 = date(2026, 12, 1), date(2026, 12, 2)


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    with clock.shifted(moment - clock.utcnow()):
        yield


def test_today_this_month_and_a_custom_range_are_the_viewers_dates() -> None:
    def period(query: str, now: datetime, zone: ZoneInfo) -> tuple[list[str], Period]:
        form, choice = parse(QueryParams(query), now=now, zone=zone)
        return list(form.errors), choice.period

    evening_30_nov_utc = datetime(2026, 11, 30, 12, tzinfo=UTC)  # 1 Dec 01:00 in Auckland
    _, auckland = period("span=month", evening_30_nov_utc, AUCKLAND)
    _, los_angeles = period("span=month", evening_30_nov_utc, LOS_ANGELES)
    assert (auckland.first, auckland.last) == (DEC_1, DEC_1)
    assert (los_angeles.first, los_angeles.last) == (date(2026, 11, 1), date(2026, 11, 30))
    # Auckland's midnight is 11:00 UTC the day before; Los Angeles's is 08:00 UTC.
    assert auckland.start == datetime(2026, 11, 30, 11, tzinfo=UTC)
    assert los_angeles.end == datetime(2026, 12, 1, 8, tzinfo=UTC)
    custom = "span=custom&from=2026-12-01&to=2026-12-01"
    assert period(custom, evening_30_nov_utc, AUCKLAND)[0] == []
    assert period(custom, evening_30_nov_utc, LOS_ANGELES)[0] == ["to"]  # tomorrow there
    # The UTC days read from the rollups: the day before in Auckland's summer (+13), the same
    # date in its winter (+12) and in Los Angeles.
    assert Period(DEC_2, DEC_2, AUCKLAND).rollup_first == DEC_1
    assert Period(date(2026, 7, 2), date(2026, 7, 2), AUCKLAND).rollup_first == date(2026, 7, 2)
    assert Period(DEC_2, DEC_2, LOS_ANGELES).rollup_first == DEC_2
    # The period before keeps the same mapping across Auckland's clock change (5 April), so
    # the two read adjoining UTC days.
    april = Period(date(2026, 4, 6), date(2026, 4, 12), AUCKLAND)
    assert april.previous.rollup_last == april.rollup_first - (april.first - april.previous.last)


async def test_each_viewer_counts_a_moment_on_their_own_day(session: AsyncSession) -> None:
    with at(MOMENT):
        ada = await make_advocate(session)
        await give_points(session, ada, 40)
        await sessions.record_visit(session, ada, clock.utcnow())

    async def figures(day: date, zone: ZoneInfo) -> dict[str, float]:
        report = await overview(
            session, period=Period(day, day, zone), group_id=None, points_per_money_unit=10
        )
        return {key: report.figure(key).value for key in ("new", "active", "engaged", "issued")}

    signed_up_and_earned = {"new": 1, "active": 1, "engaged": 1, "issued": 40}
    nothing = dict.fromkeys(signed_up_and_earned, 0)
    assert await figures(DEC_2, AUCKLAND) == signed_up_and_earned
    assert await figures(DEC_1, AUCKLAND) == nothing
    assert await figures(DEC_1, LOS_ANGELES) == signed_up_and_earned
    assert await figures(DEC_2, LOS_ANGELES) == nothing
    for zone, day in ((AUCKLAND, DEC_2), (LOS_ANGELES, DEC_1)):
        report = await engagement(
            session,
            period=Period(date(2026, 11, 30), DEC_2, zone),
            group_id=None,
            values=ValueSettings(),
        )
        assert [(d.day, d.engaged, d.points["Other"]) for d in report.days if d.engaged] == [
            (day, 1, 40)
        ]


async def test_the_page_shows_the_viewers_days(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    for zone in (AUCKLAND, LOS_ANGELES):
        viewer = await make_marketer(session, email=f"{zone.key.replace('/', '.')}@example.com")
        viewer.time_zone = zone.key
        await session.flush()
        client.cookies.clear()
        await login_as(client, viewer)
        page = await client.get("/manage/reports/?span=7d")
        today = clock.utcnow().astimezone(zone).date()
        heading = " ".join(BeautifulSoup(page.text, "html.parser").get_text().split())
        assert f"to {today.day} {today:%b %Y}" in heading, zone.key
