"""The reminder that points expire: 30 days ahead, once per person and expiry day, in the
bell and by email in the person's language, in the send hour of their zone."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock, zones
from portal.engagement.expiring import remind_points_expiring
from portal.notifications.models import Notification
from portal.outbox.models import OutboxEmail
from portal.points import service as points
from portal.program import service as program
from tests.factories import make_advocate, make_marketer


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    with clock.shifted(moment - datetime.now(UTC)):
        yield


async def _remind(session: AsyncSession, moment: datetime) -> int:
    with at(moment):
        return await remind_points_expiring(
            session, now=moment, send_hour_zones=zones.zones_in_hour(moment)
        )


async def test_a_german_advocate_is_told_once_in_german_at_nine_in_berlin(
    session: AsyncSession,
) -> None:
    await program.update(session, actor=None, time_zone="Europe/Berlin")
    tom = await make_advocate(session, name="Tom Fischer")
    tom.language, tom.time_zone = "de", "Europe/Berlin"
    ada = await make_advocate(session, name="Ada Byron")  # in the program's zone, English
    with at(datetime(2026, 1, 1, 12, tzinfo=UTC)):
        await points.save_rules(session, actor=await make_marketer(session), expire_after_months=2)
    with at(datetime(2026, 1, 10, 12, tzinfo=UTC)):
        await points.award(session, tom, points=120, reason="r", key="t")
        await points.award(session, ada, points=1, reason="r", key="a")
    # 10 March is 40 days after 30 January: nothing yet; 9 February is 29 days before.
    assert await _remind(session, datetime(2026, 1, 30, 8, 30, tzinfo=UTC)) == 0
    assert await _remind(session, datetime(2026, 2, 9, 7, 30, tzinfo=UTC)) == 0  # 08:30 there
    assert await _remind(session, datetime(2026, 2, 9, 8, 30, tzinfo=UTC)) == 2  # 09:30 there
    assert await _remind(session, datetime(2026, 2, 9, 8, 45, tzinfo=UTC)) == 0  # once
    assert await _remind(session, datetime(2026, 2, 10, 8, 30, tzinfo=UTC)) == 0  # and not daily

    bell = {n.user_id: n.title for n in await session.scalars(select(Notification))}
    assert bell[tom.id] == "120 Punkte verfallen am 10.03.2026"
    assert bell[ada.id] == "1 point expires on 10 Mar 2026"
    email = await session.scalar(select(OutboxEmail).where(OutboxEmail.user_id == tom.id))
    assert email is not None
    assert email.kind == "points_expiring"
    assert email.subject == "120 Punkte verfallen am 10.03.2026"
    assert "120 Punkte von Ihnen verfallen am 10.03.2026." in email.text_body
    assert "/points/how-to-earn" in email.text_body


async def test_no_reminder_while_expiry_is_off(session: AsyncSession) -> None:
    ada = await make_advocate(session)
    await points.award(session, ada, points=50, reason="r", key="a")
    assert await remind_points_expiring(session, now=clock.utcnow()) == 0
