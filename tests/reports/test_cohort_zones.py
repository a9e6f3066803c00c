"""The cohort triangle in the viewer's months: the month someone joined is bounded by the
viewer's midnights, the months they earned in follow the daily rollups' rule (a viewer's day
reads the UTC day holding its noon). Two advocates join half an hour apart around midnight UTC
at the end of January: one viewer in UTC, one in Berlin (UTC+1), one in Kiritimati (UTC+14,
whose days read the UTC day before: the day rows, not the month rows, are read)."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.reports.cohorts import cohorts
from portal.reports.periods import Period
from tests.factories import give_points, make_advocate

JAN, FEB = date(2026, 1, 1), date(2026, 2, 1)


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    with clock.shifted(moment - clock.utcnow()):
        yield


@pytest.mark.parametrize(
    ("zone", "january", "february"),
    [
        # Both joined on 31 January and Bob earned that day; both earned on 1 February.
        (UTC, (2, [1, 2]), (0, [0])),
        # Ann joined at 00:30 on 1 February in Berlin; Bob's first points, 23:45 on 31 January.
        (ZoneInfo("Europe/Berlin"), (1, [1, 1]), (1, [1])),
        # Both joined on 1 February there (12:30 and 13:30); the UTC day 31 January is read
        # as their 1 February.
        (ZoneInfo("Pacific/Kiritimati"), (0, [0, 0]), (2, [2])),
    ],
    ids=["UTC", "Berlin", "Kiritimati"],
)
async def test_the_triangle_is_in_the_viewers_months(
    session: AsyncSession,
    zone: tzinfo,
    january: tuple[int, list[int]],
    february: tuple[int, list[int]],
) -> None:
    with at(datetime(2026, 1, 31, 22, 30, tzinfo=UTC)):
        bob = await make_advocate(session, name="Bob")
    with at(datetime(2026, 1, 31, 22, 45, tzinfo=UTC)):
        await give_points(session, bob, 10)
    with at(datetime(2026, 1, 31, 23, 30, tzinfo=UTC)):
        ann = await make_advocate(session, name="Ann")
    with at(datetime(2026, 2, 1, 12, tzinfo=UTC)):
        await give_points(session, ann, 10)
        await give_points(session, bob, 10)
    report = await cohorts(session, period=Period(FEB, date(2026, 2, 10), zone), group_id=None)
    assert report.months[-2:] == [JAN, FEB]
    cells = {c.month: (c.size, c.engaged) for c in report.cohorts}
    assert (cells[JAN], cells[FEB]) == (january, february)
