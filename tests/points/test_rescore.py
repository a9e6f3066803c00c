"""Rescoring: the what-if replay of the last N days under a proposed level (known answers
worked by hand below), and applying it to past events as one keyed adjustment per person,
posted by a job that can run twice."""

from datetime import timedelta
from typing import Any

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from portal import clock
from portal.config import Settings
from portal.jobs import ArqQueue
from portal.people.models import User
from portal.points import service as points
from portal.points.jobs import rescore_points
from portal.points.models import EntryKind, LedgerEntry, Level, RescoreRun
from portal.points.service import rescore
from portal.points.service.rescore import ProposedLevel
from tests.conftest import joined_sessionmaker
from tests.factories import login_as, make_advocate, make_marketer, post_form

CHALLENGE = points.Source("submission", 1)
CONTENT = points.Source("asset", 1)


async def _award(
    session: AsyncSession, user: User, amount: int, days_ago: int, source: points.Source | None
) -> None:
    with clock.shifted(-timedelta(days=days_ago)):
        await points.award(
            session, user, points=amount, reason="r", key=f"r:{user.id}:{days_ago}", source=source
        )


async def _scene(session: AsyncSession) -> dict[str, User]:
    """Ada is a Champion (2,000 from staff 100 days ago, outside the window) who earned 100 for a
    challenge 30 days ago and 50 for content 10 days ago; Ben earned 400 from staff 100 days ago
    and 150 for a challenge 20 days ago (an Advocate at 550); Cleo has 2,200 from staff."""
    people = {}
    for name in ("Ada", "Ben", "Cleo"):
        people[name] = await make_advocate(session, name=name)
    await _award(session, people["Ada"], 2_000, 100, None)
    await _award(session, people["Ada"], 100, 30, CHALLENGE)
    await _award(session, people["Ada"], 50, 10, CONTENT)
    await _award(session, people["Ben"], 400, 100, None)
    await _award(session, people["Ben"], 150, 20, CHALLENGE)
    await _award(session, people["Cleo"], 2_200, 100, None)
    return people


async def _proposal(session: AsyncSession) -> list[ProposedLevel]:
    """Champion x1.5 on challenges and content; Advocate from 600 instead of 500."""
    levels = []
    for level in await session.scalars(select(Level).order_by(Level.min_points)):
        proposed = ProposedLevel.of(level)
        if level.name == "Champion":
            proposed = ProposedLevel(
                level.id, level.name, 2_000, 150, frozenset({"challenge", "content"})
            )
        if level.name == "Advocate":
            proposed = ProposedLevel(level.id, level.name, 600, 100, frozenset())
        levels.append(proposed)
    return levels


async def test_the_what_if_replays_the_window_under_the_proposed_levels(
    session: AsyncSession,
) -> None:
    await _scene(session)
    what = await rescore.what_if(session, await _proposal(session), days=90)
    # Ada: 100 x1.5 = 150 and 50 x1.5 = 75: 225 for 150 paid. Ben was below Champion: unchanged.
    assert (what.issued, what.proposed_issued, what.difference) == (300, 375, 75)
    assert [(p.name, p.issued, p.proposed_issued) for p in what.people] == [("Ada", 150, 225)]
    assert what.liability == 2_150 + 550 + 2_200
    # Ben's 550 no longer reach Advocate once it starts at 600, from now on or rescored.
    assert [
        (c.name, c.level_now, c.level_from_now_on, c.level_with_past) for c in what.level_changes
    ] == [("Ben", "Advocate", "Insider", "Insider")]
    # Ada's 2,225 would pass Cleo's 2,200 on the all-time board.
    assert [(m.name, m.rank_now, m.rank_with_past) for m in what.movements] == [
        ("Ada", 2, 1),
        ("Cleo", 1, 2),
    ]
    # Fifteen days: only Ada's content award (10 days ago) is replayed.
    short = await rescore.what_if(session, await _proposal(session), days=15)
    assert (short.issued, short.proposed_issued) == (50, 75)


async def test_a_multiplier_taken_away_gives_the_base_back(session: AsyncSession) -> None:
    champion = await make_advocate(session, name="Dee")
    await _award(session, champion, 2_000, 100, None)
    level = await session.scalar(select(Level).where(Level.name == "Champion"))
    assert level is not None
    await points.update_level(
        session,
        actor=await make_marketer(session),
        level_id=level.id,
        name=level.name,
        min_points=level.min_points,
        description="",
        multiplier_percent=120,
        multiplies=[points.Earning.CHALLENGE],
    )
    await _award(session, champion, 25, 5, CHALLENGE)  # paid 30 (x1.2)
    back = [ProposedLevel.of(each) for each in await session.scalars(select(Level))]
    back = [
        ProposedLevel(p.id, p.name, p.min_points, 100, p.multiplies) if p.id == level.id else p
        for p in back
    ]
    what = await rescore.what_if(session, back, days=90)
    assert [(p.name, p.issued, p.proposed_issued) for p in what.people] == [("Dee", 30, 25)]


async def test_applying_to_past_events_adjusts_each_person_once_even_run_twice(
    session: AsyncSession,
    connection: AsyncConnection,
    settings: Settings,
    arq_redis: Any,
    queue_name: str,
) -> None:
    people = await _scene(session)
    run = await rescore.start_run(
        session,
        await _proposal(session),
        actor=await make_marketer(session),
        days=90,
        summary="Champion x1.5",
    )
    assert [job.name for job in session.info["jobs"]][-1] == "rescore_points"
    await session.commit()
    context = {
        "settings": settings,
        "sessionmaker": joined_sessionmaker(connection),
        "job_queue": ArqQueue(arq_redis, queue_name=queue_name),
    }
    assert await rescore_points(context, run.id) == 1
    assert await rescore_points(context, run.id) == 1  # the same run again: no new rows
    await session.refresh(run)
    assert (run.status, run.people, run.done, run.points) == ("done", 1, 1, 75)
    adjustments = list(
        await session.scalars(select(LedgerEntry).where(LedgerEntry.kind == EntryKind.ADJUST))
    )
    assert [(a.user_id, a.delta, a.idempotency_key) for a in adjustments] == [
        (people["Ada"].id, 75, f"rescore:{run.id}:{people['Ada'].id}")
    ]
    balance = await points.balance_of(session, people["Ada"])
    assert (balance.current, balance.lifetime) == (2_225, 2_225)
    assert await points.reconcile_balances(session) == []
    # Previewed again, the same levels change nothing more: the adjustment counts as paid.
    again = await rescore.what_if(session, await _proposal(session), days=90)
    assert (again.difference, again.people, again.movements) == (0, [], [])


async def test_preview_then_apply_from_now_on_changes_only_the_level(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await _scene(session)
    champion = await session.scalar(select(Level).where(Level.name == "Champion"))
    assert champion is not None
    await login_as(client, await make_marketer(session))
    typed = {
        "name": "Champion",
        "min_points": "2000",
        "description": "",
        "multiplier": "1.5",
        "multiplies_challenge": "on",
        "multiplies_content": "on",
    }
    refused = await post_form(
        client, f"/manage/points/levels/{champion.id}/preview", {**typed, "multiplier": "9"}
    )
    assert refused.status_code == 422
    shown = await post_form(client, f"/manage/points/levels/{champion.id}/preview", typed)
    assert shown.status_code == 200
    page = BeautifulSoup(shown.text, "html.parser")
    assert page.select_one("#rescore-issued").get_text(" ", strip=True).startswith("300 → 375")
    assert "Ada" in page.select_one("#rescore-board").get_text()
    applied = await post_form(
        client, f"/manage/points/levels/{champion.id}/apply", {**typed, "days": "90", "when": "now"}
    )
    assert applied.status_code == 303
    await session.refresh(champion)
    assert champion.multiplier_percent == 150
    assert await session.scalar(select(RescoreRun.id)) is None
    assert (
        await session.scalar(select(LedgerEntry.id).where(LedgerEntry.kind == EntryKind.ADJUST))
        is None
    )
