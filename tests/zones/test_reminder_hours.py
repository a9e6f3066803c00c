"""Invitation reminders and quiet-referral reminders go out between 09:00 and 10:00 on the
recipient's clock (their zone, else the program's): the hourly sweeps reach the people whose
morning it is, still once per invitation and once per quiet spell. The program runs on Berlin
time; the sweeps run at every hour of 27 and 28 October 2026, after Berlin left summer time."""

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from portal import clock, zones
from portal.auth import service as auth
from portal.db import create_sessionmaker
from portal.notifications.models import Notification
from portal.outbox.models import OutboxEmail
from portal.people.models import Role, User
from portal.program import service as program
from portal.referrals import service as referrals
from tests.factories import make_advocate, make_marketer, make_referral, make_sales

START = datetime(2026, 10, 27, 0, 15, tzinfo=UTC)
HOURS = [START + timedelta(hours=n) for n in range(48)]


async def _invite(session: AsyncSession, email: str, time_zone: str) -> User:
    invitation = await auth.invite(
        session,
        inviter=await make_marketer(session),
        email=email,
        display_name=email,
        roles=[Role.ADVOCATE],
    )
    invitation.user.time_zone = time_zone
    await session.flush()
    return invitation.user


async def test_invitation_reminders_reach_each_person_in_their_morning_once(
    session: AsyncSession,
) -> None:
    await program.update(session, actor=None, time_zone="Europe/Berlin")
    with clock.shifted(START - timedelta(days=4) - clock.utcnow()):
        kiri = await _invite(session, "kiri@example.com", "Pacific/Auckland")
        berta = await _invite(session, "berta@example.com", "")  # the program's: Berlin

    reminded: dict[int, list[datetime]] = {kiri.id: [], berta.id: []}
    for moment in HOURS:
        with clock.shifted(moment - clock.utcnow()):
            await auth.remind_unaccepted_invitations(
                session, send_hour_zones=zones.zones_in_hour(moment)
            )
        for user_id in await session.scalars(
            select(OutboxEmail.user_id).where(
                OutboxEmail.kind == "invitation_reminder",
                OutboxEmail.created_at >= moment - timedelta(minutes=1),
            )
        ):
            reminded[user_id].append(moment)

    # 09:15 in Auckland (NZDT, UTC+13) is 20:15 UTC; 09:15 in Berlin (CET, UTC+1) is 08:15 UTC.
    assert reminded[kiri.id] == [datetime(2026, 10, 27, 20, 15, tzinfo=UTC)]
    assert reminded[berta.id] == [datetime(2026, 10, 27, 8, 15, tzinfo=UTC)]


async def _quiet_referral(session: AsyncSession, owner: User, name: str) -> None:
    advocate = await make_advocate(session)
    referral = await make_referral(session, advocate, name=name)
    loaded = await referrals.access_referral(session, referral.id)
    rep = await referrals.access_rep(session, owner.id)
    await referrals.assign_referral(session, loaded, owner=rep, actor=rep)


async def test_stale_referral_reminders_reach_each_owner_in_their_morning_once(
    session: AsyncSession,
) -> None:
    await program.update(session, actor=None, time_zone="Europe/Berlin")
    lara = await make_sales(session, name="Lara in Los Angeles")
    lara.time_zone = "America/Los_Angeles"
    bernd = await make_sales(session, name="Bernd in Berlin")  # the program's zone
    with clock.shifted(START - timedelta(days=20) - clock.utcnow()):
        await _quiet_referral(session, lara, "Quiet West")
        await _quiet_referral(session, bernd, "Quiet East")

    reminded: dict[int, list[datetime]] = {lara.id: [], bernd.id: []}
    for moment in HOURS:
        with clock.shifted(moment - clock.utcnow()):
            await referrals.remind_stale_referrals(
                session, send_hour_zones=zones.zones_in_hour(moment)
            )
        for user_id in await session.scalars(
            select(Notification.user_id).where(
                Notification.kind == "referral_stale",
                Notification.created_at >= moment - timedelta(minutes=1),
            )
        ):
            reminded[user_id].append(moment)

    # 09:15 in Los Angeles (PDT until 1 November, UTC-7) is 16:15 UTC; in Berlin, 08:15 UTC.
    assert reminded[lara.id] == [datetime(2026, 10, 27, 16, 15, tzinfo=UTC)]
    assert reminded[bernd.id] == [datetime(2026, 10, 27, 8, 15, tzinfo=UTC)]


async def test_two_workers_racing_remind_each_quiet_referral_once(
    committed_engine: AsyncEngine,
) -> None:
    sessionmaker = create_sessionmaker(committed_engine)
    async with sessionmaker() as session:
        rep = await make_sales(session)
        with clock.shifted(-timedelta(days=20)):
            for n in range(3):
                await _quiet_referral(session, rep, f"Quiet {n}")
        await session.commit()

    async def run() -> int:
        async with sessionmaker() as session:
            sent = await referrals.remind_stale_referrals(session)
            await session.commit()
            return sent

    assert sum(await asyncio.gather(run(), run())) == 3
    async with sessionmaker() as session:
        kinds = await session.scalars(
            select(Notification.id).where(
                Notification.user_id == rep.id, Notification.kind == "referral_stale"
            )
        )
        assert len(list(kinds)) == 3
