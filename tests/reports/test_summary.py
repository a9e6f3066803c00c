"""The weekly program summary: marketers opt in on the overview, each gets last week's figures
and top advocates once per week (a rerun, a second worker or a race sends nothing twice), and
the email's unsubscribe link stops it."""

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from portal import clock, zones
from portal.clock import utcnow
from portal.config import Settings
from portal.db import create_sessionmaker
from portal.jobs import ArqQueue
from portal.outbox.models import OutboxEmail
from portal.program import service as program
from portal.reports import summary
from tests.conftest import joined_sessionmaker
from tests.factories import give_points, login_as, make_advocate, make_marketer, post_form
from tests.jobs import run_burst_worker

MONDAY = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)


async def summaries(session: AsyncSession) -> list[OutboxEmail]:
    return list(
        await session.scalars(
            select(OutboxEmail)
            .where(OutboxEmail.kind == "program_summary")
            .order_by(OutboxEmail.id)
        )
    )


def shifted_to(moment: datetime) -> Any:
    return clock.shifted(moment - utcnow())


async def test_a_marketer_opts_in_gets_last_weeks_figures_once_and_can_unsubscribe(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    maya = await make_marketer(session, name="Maya Marketer")
    await make_marketer(session, name="Otto Optedout")  # never subscribes
    ann = await make_advocate(session, name="Ann Advocate")
    with shifted_to(MONDAY - timedelta(days=3)):  # Friday of the week before
        await give_points(session, ann, 120)
    with shifted_to(MONDAY - timedelta(days=10)):  # the week before that
        await give_points(session, ann, 40)
    await login_as(client, maya)
    overview = await client.get("/manage/reports/")
    assert "Email me weekly" in overview.text
    subscribed = await post_form(
        client, "/manage/reports/summary", {"subscribe": "on"}, page="/manage/reports/"
    )
    assert subscribed.status_code == 303
    assert (
        "You get this summary by email every Monday" in (await client.get("/manage/reports/")).text
    )

    assert await summary.send_program_summary(session, now=MONDAY) == 1
    assert await summary.send_program_summary(session, now=MONDAY + timedelta(hours=1)) == 0
    [email] = await summaries(session)
    assert email.to_address == maya.email
    assert email.subject == "Advocate Portal last week: 1 advocates engaged"
    assert "23 Nov 2026 to 29 Nov 2026" in email.text_body
    assert "- Points issued: 120 (+200.0%)" in email.text_body
    assert "1. Ann Advocate: 120 points" in email.text_body
    assert "/manage/reports/?span=custom&from=2026-11-23&to=2026-11-29" in email.text_body
    assert "List-Unsubscribe" in email.headers

    link = re.search(r"http://portal.test(/unsubscribe/\S+)", email.text_body)
    assert link is not None
    client.cookies.clear()
    assert (await client.post(link.group(1))).status_code == 200
    assert await summary.send_program_summary(session, now=MONDAY + timedelta(days=7)) == 0
    await login_as(client, maya)
    page = await client.get("/manage/reports/")
    assert "Email me weekly" in page.text  # unsubscribed by the link, the overview says so
    await post_form(client, "/manage/reports/summary", {"subscribe": "on"}, page="/manage/reports/")
    assert await summary.send_program_summary(session, now=MONDAY + timedelta(days=14)) == 1


async def test_stopping_the_emails_on_the_overview_and_advocates_cannot_subscribe(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    maya = await make_marketer(session)
    await summary.subscribe(session, maya, on=True)
    await login_as(client, maya)
    stopped = await post_form(client, "/manage/reports/summary", {}, page="/manage/reports/")
    assert stopped.status_code == 303
    page = BeautifulSoup((await client.get("/manage/reports/")).text, "html.parser")
    assert "Email me weekly" in page.select_one("#summary-subscription").get_text()
    assert await summary.send_program_summary(session, now=MONDAY) == 0
    client.cookies.clear()
    advocate = await make_advocate(session)
    await login_as(client, advocate)
    refused = await post_form(client, "/manage/reports/summary", {"subscribe": "on"})
    assert refused.status_code == 404
    assert not await summary.is_subscribed(session, advocate)


async def test_two_runs_of_the_cron_job_on_a_real_worker_send_one_summary(
    session: AsyncSession,
    connection: AsyncConnection,
    settings: Settings,
    arq_redis: Any,
    queue_name: str,
) -> None:
    maya = await make_marketer(session)
    await summary.subscribe(session, maya, on=True)
    await session.commit()

    for _ in range(2):
        await arq_redis.enqueue_job("cron:send_program_summary", _queue_name=queue_name)
    context = {
        "settings": settings,
        "sessionmaker": joined_sessionmaker(connection),
        "job_queue": ArqQueue(arq_redis, queue_name=queue_name),
    }
    with shifted_to(MONDAY + timedelta(hours=2)):  # 09:30 on the program's clock (UTC)
        burst = await run_burst_worker(arq_redis, context, queue_name=queue_name, cron=True)
    assert burst.jobs_failed == 0
    assert [e.user_id for e in await summaries(session)] == [maya.id]


async def test_two_workers_racing_send_each_marketer_one_summary(
    committed_engine: AsyncEngine,
) -> None:
    sessionmaker = create_sessionmaker(committed_engine)
    async with sessionmaker() as session:
        marketers = [await make_marketer(session) for _ in range(3)]
        for marketer in marketers:
            await summary.subscribe(session, marketer, on=True)
        await session.commit()

    async def run() -> int:
        async with sessionmaker() as session:
            sent = await summary.send_program_summary(session, now=MONDAY)
            await session.commit()
            return sent

    assert sum(await asyncio.gather(run(), run())) == 3  # between them, one each
    async with sessionmaker() as session:
        ids = {m.id for m in marketers}
        per_person = dict(
            (
                await session.execute(
                    select(OutboxEmail.user_id, func.count())
                    .where(OutboxEmail.kind == "program_summary", OutboxEmail.user_id.in_(ids))
                    .group_by(OutboxEmail.user_id)
                )
            ).all()
        )
        assert per_person == dict.fromkeys(ids, 1)


async def test_the_summary_covers_the_programs_week_and_arrives_in_its_monday_morning(
    session: AsyncSession,
) -> None:
    # Los Angeles: the week of 23 to 29 November runs from 08:00 UTC on the 23rd (PST) to
    # 08:00 UTC on the 30th, and 09:30 there on Monday the 30th is 17:30 UTC.
    await program.update(session, actor=None, time_zone="America/Los_Angeles")
    maya = await make_marketer(session)
    await summary.subscribe(session, maya, on=True)
    lou = await make_advocate(session, name="Lou Late")
    with shifted_to(datetime(2026, 11, 23, 5, 0, tzinfo=UTC)):  # Sunday 21:00 the week before
        await give_points(session, lou, 30)
    with shifted_to(datetime(2026, 11, 30, 3, 0, tzinfo=UTC)):  # Sunday 19:00, in the week
        await give_points(session, lou, 70)

    sent_at = []
    for hour in range(24 * 3):  # every hourly run from Monday 00:30 UTC to Wednesday
        moment = datetime(2026, 11, 30, 0, 30, tzinfo=UTC) + timedelta(hours=hour)
        if await summary.send_program_summary(
            session, now=moment, send_hour_zones=zones.zones_in_hour(moment)
        ):
            sent_at.append(moment)
    assert sent_at == [datetime(2026, 11, 30, 17, 30, tzinfo=UTC)]
    [email] = await summaries(session)
    assert "23 Nov 2026 to 29 Nov 2026" in email.text_body
    assert "1. Lou Late: 70 points" in email.text_body


async def test_a_run_that_missed_the_monday_morning_sends_that_day_and_not_midweek(
    session: AsyncSession,
) -> None:
    maya = await make_marketer(session)
    await summary.subscribe(session, maya, on=True)
    assert await summary.send_program_summary(session, now=MONDAY + timedelta(days=2)) == 0
    assert await summary.send_program_summary(session, now=MONDAY + timedelta(hours=14)) == 1
