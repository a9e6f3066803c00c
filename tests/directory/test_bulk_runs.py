"""A bulk action on more people than one request handles: confirmed once, listed in one
statement, done by jobs a batch at a time with a page that follows it; confirming twice,
running a batch twice or losing a batch job acts on nobody twice and on everybody once."""

from datetime import timedelta

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.models import AuditEntry
from portal.clock import utcnow
from portal.directory import bulk_runs
from portal.directory.bulk import BulkAction, BulkRequest
from portal.directory.models import BulkRun, BulkRunStatus
from portal.groups import service as groups
from portal.jobs import take_pending
from portal.people.models import User
from portal.points import service as points
from portal.points.models import LedgerEntry
from tests.directory.test_bulk import confirm_fields
from tests.factories import login_as, make_advocate, make_marketer, post_form

PAGE = "/manage/people/"


async def _run_batches(session: AsyncSession, *, twice: bool = False) -> int:
    """Runs the queued batch jobs as a worker would (each twice when asked); returns how many
    jobs ran."""
    ran = 0
    while jobs := [job for job in take_pending(session) if job.name == "run_people_bulk_batch"]:
        for job in jobs:
            for _ in range(2 if twice else 1):
                await bulk_runs.run_next_batch(session, **job.kwargs)  # type: ignore[arg-type]
                ran += 1
    return ran


async def test_a_large_set_runs_as_jobs_with_a_progress_page(
    client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_runs, "INLINE_LIMIT", 2)
    monkeypatch.setattr(bulk_runs, "BATCH", 2)
    marketer = await make_marketer(session)
    acme = [await make_advocate(session, name=f"Acme {n}", company="Acme") for n in range(5)]
    other = await make_advocate(session, name="Globex", company="Globex")
    await login_as(client, marketer)

    asked = await post_form(
        client,
        "/manage/people/bulk",
        {
            "action": "award_points",
            "points": "20",
            "reason": "Launch week",
            "scope": "all",
            "view": "company=acme",
        },
        page=PAGE,
    )
    assert BeautifulSoup(asked.text, "html.parser").h1.get_text() == "Award 20 points to 5 people?"
    fields = confirm_fields(asked.text)
    started = await post_form(client, "/manage/people/bulk/run", fields, page=PAGE)
    assert started.status_code == 303
    progress = started.headers["location"]
    assert "/manage/people/bulk/runs/" in progress
    again = await post_form(client, "/manage/people/bulk/run", fields, page=PAGE)
    assert again.headers["location"] == progress  # one run per confirmation
    assert await session.scalar(select(func.count()).select_from(BulkRun)) == 1

    # The jobs run after the commit (inline in tests): three batches of at most two.
    for person in acme:
        assert (await points.balance_of(session, person)).current == 20
    assert (await points.balance_of(session, other)).current == 0
    page = BeautifulSoup((await client.get(progress)).text, "html.parser")
    assert page.h1.get_text() == "Award points: 5 people"
    assert page.select_one("#bulk-run-count").get_text() == "5 of 5 handled"
    assert page.select_one("#bulk-run-summary").get_text() == "5 people awarded points."
    assert page.select_one("#bulk-run[hx-get]") is None  # done: it stops asking
    audits = list(
        await session.scalars(
            select(AuditEntry.summary).where(AuditEntry.action == "people.bulk_award_points")
        )
    )
    assert audits == ["5 people awarded points."]


async def test_each_batch_run_twice_acts_on_everyone_once_and_the_page_follows_it(
    client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_runs, "BATCH", 2)
    marketer = await make_marketer(session)
    people = [await make_advocate(session, company="Umbrella") for _ in range(5)]
    group = await groups.create_group(session, staff=marketer, name="Umbrella fans")
    run = await bulk_runs.start_run(
        session,
        staff=marketer,
        request=BulkRequest(BulkAction.AWARD_POINTS, None, 7, "Thanks"),
        people=select(User.id).where(User.company == "Umbrella"),
        action_key="k" * 16,
        view="company=umbrella",
    )
    await login_as(client, marketer)
    page = BeautifulSoup(
        (await client.get(f"/manage/people/bulk/runs/{run.id}")).text, "html.parser"
    )
    assert page.select_one("#bulk-run-count").get_text() == "0 of 5 handled"
    assert page.select_one("#bulk-run[hx-get]") is not None  # it follows itself
    assert await _run_batches(session, twice=True) == 6  # three batches, each delivered twice
    assert await session.scalar(select(func.count()).select_from(LedgerEntry)) == 5
    for person in people:
        assert (await points.balance_of(session, person)).current == 7
    await session.refresh(run)
    assert (run.status, run.done, run.handled, run.skipped) == (BulkRunStatus.DONE, 5, 5, {})
    assert (
        await bulk_runs.start_run(  # the same confirmation again: the same run
            session,
            staff=marketer,
            request=BulkRequest(BulkAction.ADD_TO_GROUP, group, 0, ""),
            people=select(User.id),
            action_key="k" * 16,
            view="",
        )
        == run
    )


async def test_a_lost_batch_job_is_resumed_by_the_sweep(session: AsyncSession) -> None:
    marketer = await make_marketer(session)
    people = [await make_advocate(session, company="Initech") for _ in range(3)]
    await bulk_runs.start_run(
        session,
        staff=marketer,
        request=BulkRequest(BulkAction.SUSPEND),
        people=select(User.id).where(User.company == "Initech"),
        action_key="s" * 16,
        view="",
    )
    take_pending(session)  # the first batch job is lost

    assert await bulk_runs.resume_stalled_runs(session) == 0  # not stalled yet
    await session.execute(update(BulkRun).values(progressed_at=utcnow() - timedelta(minutes=6)))
    session.expire_all()
    assert await bulk_runs.resume_stalled_runs(session) == 1
    await _run_batches(session)
    run = await session.scalar(select(BulkRun))
    assert run is not None
    assert (run.status, run.done, run.handled) == (BulkRunStatus.DONE, 3, 3)
    for person in people:
        await session.refresh(person)
        assert person.status == "suspended"
