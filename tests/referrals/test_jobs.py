"""The reminder of quiet referrals, run as the worker runs it (hourly, in each owner's
morning)."""

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from portal import clock, worker
from portal.config import Settings
from portal.jobs import PendingJob
from portal.notifications.models import Notification
from portal.outbox.models import OutboxEmail
from portal.referrals import service as referrals
from portal.referrals.models import CloseReason, Stage
from tests.conftest import joined_sessionmaker
from tests.factories import make_advocate, make_referral, make_sales

BASE = "http://portal.test"


async def _owned(session: AsyncSession, owner_id: int, **kwargs: object):  # type: ignore[no-untyped-def]
    advocate = await make_advocate(session)
    referral = await make_referral(session, advocate, **kwargs)  # type: ignore[arg-type]
    loaded = await referrals.access_referral(session, referral.id)
    rep = await referrals.access_rep(session, owner_id)
    await referrals.assign_referral(session, loaded, owner=rep, actor=rep)
    return loaded


async def _reminders(session: AsyncSession, user_id: int) -> int:
    return (
        await session.scalar(
            select(func.count()).where(
                Notification.user_id == user_id, Notification.kind == "referral_stale"
            )
        )
        or 0
    )


async def test_quiet_referrals_remind_their_owner_once_per_quiet_spell(
    session: AsyncSession,
) -> None:
    rep = await make_sales(session)
    with clock.shifted(-timedelta(days=20)):
        quiet = await _owned(session, rep.id, name="Quiet Prospect")
        closed = await _owned(session, rep.id, name="Closed Prospect")
        await referrals.move_referral(
            session, closed, to=Stage.LOST, actor=rep, reason=CloseReason.NOT_A_FIT
        )
    await _owned(session, rep.id, name="Fresh Prospect")
    with clock.shifted(-timedelta(days=20)):
        advocate = await make_advocate(session)
        await make_referral(session, advocate, name="Nobody's Prospect")

    assert await referrals.remind_stale_referrals(session) == 1
    assert await referrals.remind_stale_referrals(session) == 0
    assert await _reminders(session, rep.id) == 1
    email = await session.scalar(select(OutboxEmail).where(OutboxEmail.kind == "referral_stale"))
    assert email is not None
    assert "Quiet Prospect has been at Submitted for 20 days" in email.text_body

    with clock.shifted(timedelta(days=1)):  # the rep acts: a new quiet spell starts
        await referrals.move_referral(session, quiet, to=Stage.CONTACTED, actor=rep)
    with clock.shifted(timedelta(days=10)):
        assert await referrals.remind_stale_referrals(session) == 0
    with clock.shifted(timedelta(days=16)):
        assert await referrals.remind_stale_referrals(session) == 2  # + Fresh
    assert await _reminders(session, rep.id) == 3


class RecordingQueue:
    def __init__(self) -> None:
        self.sent: list[PendingJob] = []

    async def send(self, jobs: list[PendingJob]) -> None:
        self.sent.extend(jobs)


async def test_the_cron_job_runs_the_reminder_and_commits(
    session: AsyncSession, connection: AsyncConnection, settings: Settings
) -> None:
    rep = await make_sales(session)
    with clock.shifted(-timedelta(days=30)):
        await _owned(session, rep.id)
    await session.commit()
    job = worker.function_table()["cron:remind_stale_referrals"]
    queue = RecordingQueue()
    context = {
        "settings": settings,
        "sessionmaker": joined_sessionmaker(connection),
        "job_queue": queue,
    }
    morning = clock.utcnow().replace(hour=9, minute=30)  # the program's zone is UTC
    with clock.shifted(morning - clock.utcnow()):
        assert await job(context) == 1
        assert await job(context) == 0
    assert [pending.name for pending in queue.sent] == ["send_email"]  # after the commit
    assert await _reminders(session, rep.id) == 1
