"""Emails that speak to people go out between 09:00 and 10:00 on each recipient's clock (their
zone, else the program's), once per person, kind and period. The sweeps run every hour and
name the zones where it is that hour; here they run at the hours of 24 to 27 October 2026,
when Berlin leaves summer time (25 October) and Auckland and Los Angeles do not."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock, zones
from portal.engagement import sequences
from portal.engagement import service as engagement
from portal.outbox.models import OutboxEmail
from portal.people.models import User
from portal.points import service as points
from portal.program import service as program
from tests.factories import make_advocate


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    with clock.shifted(moment - clock.utcnow()):
        yield


async def _people(session: AsyncSession) -> dict[str, User]:
    await program.update(session, actor=None, time_zone="Europe/Berlin")
    people = {}
    for zone in ("Pacific/Auckland", "America/Los_Angeles", ""):  # "": the program's, Berlin
        person = await make_advocate(session, name=zone or "Berlin by default")
        person.time_zone = zone
        person.record_login(datetime(2026, 10, 24, 6, 0, tzinfo=UTC))
        people[zone or "Europe/Berlin"] = person
    await session.flush()
    return people


async def _got(session: AsyncSession, kind: str, people: dict[str, User]) -> set[str]:
    ids = set(await session.scalars(select(OutboxEmail.user_id).where(OutboxEmail.kind == kind)))
    return {zone for zone, person in people.items() if person.id in ids}


async def test_the_welcome_reaches_each_person_in_their_morning(session: AsyncSession) -> None:
    people = await _people(session)

    async def sweep(moment: datetime) -> int:
        with at(moment):
            return await sequences.send_onboarding(
                session, now=moment, send_hour_zones=zones.zones_in_hour(moment)
            )

    # 09:30 on Sunday in Auckland (NZDT); 13:30 in Los Angeles; 22:30 in Berlin.
    assert await sweep(datetime(2026, 10, 24, 20, 30, tzinfo=UTC)) == 1
    assert await _got(session, "onboarding_welcome", people) == {"Pacific/Auckland"}
    # 08:30 UTC was 10:30 in Berlin before the change; after it, it is 09:30 CET.
    assert await sweep(datetime(2026, 10, 25, 8, 30, tzinfo=UTC)) == 1
    # 09:30 in Los Angeles, still on summer time (PDT) for another week.
    assert await sweep(datetime(2026, 10, 25, 16, 30, tzinfo=UTC)) == 1
    assert await sweep(datetime(2026, 10, 25, 16, 45, tzinfo=UTC)) == 0  # a second worker
    assert await _got(session, "onboarding_welcome", people) == set(people)


async def test_the_digest_of_the_programs_week_reaches_each_morning_once(
    session: AsyncSession,
) -> None:
    people = await _people(session)
    berlin = people["Europe/Berlin"]
    with at(datetime(2026, 10, 25, 22, 30, tzinfo=UTC)):  # Sunday 23:30 in Berlin
        await points.award(session, berlin, points=300, reason="r", key="late")

    async def sweep(moment: datetime) -> int:
        with at(moment):
            return await engagement.send_weekly_digest(
                session, now=moment, send_hour_zones=zones.zones_in_hour(moment)
            )

    assert await sweep(datetime(2026, 10, 26, 8, 30, tzinfo=UTC)) == 1  # 09:30 CET, Monday
    assert await sweep(datetime(2026, 10, 26, 16, 30, tzinfo=UTC)) == 1  # 09:30 PDT, Monday
    # Auckland's Monday morning came before Berlin's week ended: its digest is Tuesday's.
    assert await sweep(datetime(2026, 10, 26, 20, 30, tzinfo=UTC)) == 1  # 09:30 NZDT, Tuesday
    assert await sweep(datetime(2026, 10, 27, 8, 30, tzinfo=UTC)) == 0  # once a week
    assert await _got(session, "weekly_digest", people) == set(people)
    digest = await session.scalar(
        select(OutboxEmail.text_body).where(
            OutboxEmail.kind == "weekly_digest", OutboxEmail.user_id == berlin.id
        )
    )
    assert digest is not None
    assert "Points earned: 300" in digest  # Sunday night in Berlin
    # Past the two days after the week: nothing, even in someone's morning.
    assert await sweep(datetime(2026, 10, 28, 8, 30, tzinfo=UTC)) == 0


def test_every_zone_has_its_send_hour_once_a_day() -> None:
    day = [datetime(2026, 10, 25, hour, 30, tzinfo=UTC) for hour in range(24)]
    for zone in ("Pacific/Auckland", "America/Los_Angeles", "Europe/Berlin", "Asia/Kolkata"):
        assert sum(zone in zones.zones_in_hour(moment) for moment in day) == 1, zone
