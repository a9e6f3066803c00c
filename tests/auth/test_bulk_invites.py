"""Invite many: a list checked row by row, invited by jobs in batches, with opening balances."""

from datetime import timedelta
from typing import Any

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from portal import clock
from portal.auth import service as auth
from portal.auth.models import BulkInviteStatus, BulkRowState, Invitation
from portal.config import Settings
from portal.groups import service as groups
from portal.jobs import ArqQueue, take_pending
from portal.outbox.models import OutboxEmail
from portal.people.models import (
    FieldKind,
    GroupMember,
    ProfileField,
    ProfileValue,
    User,
    UserStatus,
)
from portal.points.models import Balance, LedgerEntry
from tests.factories import csrf_token, login_as, make_advocate, make_marketer, post_form
from tests.jobs import run_burst_worker
from tests.outbox.test_jobs import _context

LIST = """Email,Name,Company,Job title,Groups,Language,Points
ada@example.com,Ada Lovelace,Analytical Engines,Engineer,Beta testers,en,250
grace@example.com,Grace Hopper,Navy,Admiral,Beta testers; EMEA,en-US,
not-an-email,Nobody,,,,,
ADA@example.com,Ada again,,,,,
member@example.com,Already Here,,,,,
linus@example.com,Linus,,,Nonexistent group,,
kay@example.com,Kay,,,,klingon language,
alan@example.com,Alan Turing,Bletchley,,,,1000
"""


def _page(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def _with_groups(session: AsyncSession) -> User:
    marketer = await make_marketer(session)
    await groups.create_group(session, staff=marketer, name="Beta testers")
    await groups.create_group(session, staff=marketer, name="EMEA")
    await make_advocate(session, email="member@example.com")
    return marketer


async def test_the_preview_names_each_rows_problem_and_invites_nobody(
    session: AsyncSession,
) -> None:
    marketer = await _with_groups(session)
    bulk = await auth.read_list(session, staff=marketer, text=LIST, source="people.csv")
    problems = {
        row.line: row.problem
        for row in await auth.rows_of(session, bulk, states=(BulkRowState.INVALID,), limit=100)
    }
    assert problems == {
        4: "Not a valid email address: 'not-an-email'.",
        5: "Already on line 2 of this list.",
        6: "Already a member.",
        7: "Unknown group: Nonexistent group.",
        8: "Unknown language 'klingon language': use a code like en, de or pt-BR.",
    }
    progress = await auth.progress_of(session, bulk)
    assert (progress.total, progress.waiting, progress.invalid) == (8, 3, 5)
    assert await session.scalar(select(func.count()).select_from(Invitation)) == 0


async def test_batches_invite_the_valid_rows_with_groups_and_one_opening_balance_each(
    session: AsyncSession,
) -> None:
    marketer = await _with_groups(session)
    bulk = await auth.read_list(session, staff=marketer, text=LIST, source="people.csv")
    await auth.start_sending(session, staff=marketer, bulk=bulk)
    assert await auth.invite_next_batch(session, bulk_invite_id=bulk.id, size=2) == 2
    assert bulk.status == BulkInviteStatus.SENDING
    assert await auth.invite_next_batch(session, bulk_invite_id=bulk.id, size=2) == 1
    assert bulk.status == BulkInviteStatus.DONE
    assert await auth.invite_next_batch(session, bulk_invite_id=bulk.id, size=2) == 0

    ada = await auth.find_user_by_email(session, "ada@example.com")
    assert ada is not None
    assert (ada.status, ada.company, ada.job_title, ada.language) == (
        UserStatus.INVITED,
        "Analytical Engines",
        "Engineer",
        "en",
    )
    grace = await auth.find_user_by_email(session, "grace@example.com")
    assert grace is not None
    in_groups = await session.scalar(
        select(func.count()).select_from(GroupMember).where(GroupMember.user_id == grace.id)
    )
    assert in_groups == 2
    invited = await session.scalars(
        select(OutboxEmail.to_address).where(OutboxEmail.kind == "invitation")
    )
    assert sorted(invited) == ["ada@example.com", "alan@example.com", "grace@example.com"]
    balances = dict((await session.execute(select(Balance.user_id, Balance.current))).all())
    assert balances[ada.id] == 250
    assert balances[grace.id] == 0
    assert (await auth.progress_of(session, bulk)).invited == 3

    # The same file again: everyone is already invited, and no balance is paid twice.
    again = await auth.read_list(session, staff=marketer, text=LIST, source="people.csv")
    assert (await auth.progress_of(session, again)).waiting == 0
    opening = await session.scalars(
        select(LedgerEntry.delta).where(LedgerEntry.reason == "Opening balance")
    )
    assert sorted(opening) == [250, 1000]


async def test_a_row_that_got_an_account_meanwhile_is_refused_and_the_rest_go_out(
    session: AsyncSession,
) -> None:
    marketer = await _with_groups(session)
    bulk = await auth.read_list(session, staff=marketer, text=LIST, source="people.csv")
    await make_advocate(session, email="grace@example.com")
    await auth.start_sending(session, staff=marketer, bulk=bulk)
    await auth.invite_next_batch(session, bulk_invite_id=bulk.id)
    progress = await auth.progress_of(session, bulk)
    assert (progress.invited, progress.failed) == (2, 1)
    failed = await auth.rows_of(session, bulk, states=(BulkRowState.FAILED,), limit=5)
    assert [(row.line, row.problem) for row in failed] == [
        (3, "That person already has an account.")
    ]


async def test_a_marketer_uploads_a_csv_sees_the_preview_and_sends_it(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    await login_as(client, await _with_groups(session))
    token = await csrf_token(client, "/manage/people/invite-many")
    read = await client.post(
        "/manage/people/invite-many",
        data={"csrf_token": token},
        files={"file": ("people.csv", LIST.encode(), "text/csv")},
    )
    assert read.status_code == 303
    preview = _page(await client.get(read.headers["location"], headers=htmx))
    assert (preview.find("html") is None) == bool(htmx)
    assert "3 can be invited, 5 have a problem" in " ".join(
        preview.select_one("#bulk-progress").get_text().split()
    )
    if not htmx:
        assert (
            preview.select_one("#line-6").get_text(" ", strip=True)
            == "6 member@example.com Already a member."
        )
    sent = await post_form(
        client, read.headers["location"] + "/send", {}, page="/manage/people/invite-many"
    )
    assert sent.status_code == 303
    done = _page(await client.get(read.headers["location"]))
    assert "3 of 3 invited" in done.select_one("#bulk-progress").get_text()
    assert await session.scalar(select(func.count()).select_from(Invitation)) == 3
    twice = await post_form(
        client, read.headers["location"] + "/send", {}, page="/manage/people/invite-many"
    )
    assert twice.status_code == 303
    assert await session.scalar(select(func.count()).select_from(Invitation)) == 3


async def test_an_empty_list_or_a_file_that_is_not_text_keeps_the_form_with_a_message(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    empty = await post_form(client, "/manage/people/invite-many", {"people": " \n,,\n"})
    assert empty.status_code == 422
    assert "No rows found" in _page(empty).select_one("#f-people-error").get_text()
    token = await csrf_token(client, "/manage/people/invite-many")
    binary = await client.post(
        "/manage/people/invite-many",
        data={"csrf_token": token, "people": "kept@example.com"},
        files={"file": ("people.xlsx", b"PK\x03\x04\xff\xfe\x00", "application/octet-stream")},
    )
    assert binary.status_code == 422
    page = _page(binary)
    assert "CSV UTF-8" in page.select_one("#f-file-error").get_text()
    assert page.select_one("#f-people").get_text() == "kept@example.com"


async def test_advocates_and_sales_reps_cannot_open_invite_many(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_advocate(session))
    assert (await client.get("/manage/people/invite-many")).status_code in (403, 404)


async def test_a_burst_worker_sends_the_batches_and_the_invitations_reach_the_outbox(
    session: AsyncSession,
    connection: AsyncConnection,
    settings: Settings,
    arq_redis: Any,
    queue_name: str,
) -> None:
    marketer = await _with_groups(session)
    bulk = await auth.read_list(session, staff=marketer, text=LIST, source="people.csv")
    await auth.start_sending(session, staff=marketer, bulk=bulk)
    await session.commit()
    queue = ArqQueue(arq_redis, queue_name=queue_name)
    await queue.send(take_pending(session))

    await run_burst_worker(arq_redis, _context(settings, connection, queue), queue_name=queue_name)

    await session.refresh(bulk)
    assert bulk.status == BulkInviteStatus.DONE
    emails = await session.scalars(
        select(OutboxEmail.to_address).where(OutboxEmail.kind == "invitation")
    )
    assert sorted(emails) == ["ada@example.com", "alan@example.com", "grace@example.com"]


async def test_a_list_whose_job_was_lost_is_resumed_by_the_sweep(session: AsyncSession) -> None:
    marketer = await _with_groups(session)
    bulk = await auth.read_list(session, staff=marketer, text=LIST, source="people.csv")
    await auth.start_sending(session, staff=marketer, bulk=bulk)
    take_pending(session)  # the first batch's job never reaches a worker
    assert await auth.resume_stalled_bulk_invites(session) == 0
    bulk.progressed_at = clock.utcnow() - timedelta(minutes=11)
    assert await auth.resume_stalled_bulk_invites(session) == 1
    assert [job.kwargs for job in take_pending(session)] == [{"bulk_invite_id": bulk.id}]
    assert await auth.resume_stalled_bulk_invites(session) == 0


async def test_a_segment_in_the_groups_column_is_a_problem_of_the_row(
    session: AsyncSession,
) -> None:
    from portal.people.segment_rules import Rule, RuleKind
    from portal.segments import service as segments

    marketer = await make_marketer(session)
    await segments.save_segment(
        session,
        staff=marketer,
        group=None,
        name="Quiet ones",
        description="",
        rules=[Rule(RuleKind.QUIET_FOR, "30")],
    )
    bulk = await auth.read_list(
        session, staff=marketer, text="new@example.com,New,,,quiet ones\n", source="x.csv"
    )
    [row] = await auth.rows_of(session, bulk, states=(BulkRowState.INVALID,), limit=5)
    assert row.problem == "quiet ones: a segment's rules choose its members."


FIELD_LIST = """email,REGION,customer_since,Nps score,Account notes
ada@example.com,EMEA,2019-04-01,"1,000",Key account
grace@example.com,Mars,2019-04-01,9,
alan@example.com,AMER,last spring,9,
kay@example.com,,,ten,
linus@example.com,,,,
"""


async def _with_fields(session: AsyncSession) -> None:
    session.add_all(
        [
            ProfileField(label="Region", kind=FieldKind.CHOICE, choices="EMEA\nAMER"),
            ProfileField(label="Customer since", kind=FieldKind.DATE),
            ProfileField(label="NPS score", kind=FieldKind.NUMBER, is_required=True),
            ProfileField(label="Account notes", kind=FieldKind.TEXT, on_profile=False),
        ]
    )
    await session.flush()


async def test_custom_field_columns_are_checked_like_the_profile_form_and_kept_on_the_profile(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    await _with_fields(session)
    await login_as(client, marketer)
    token = await csrf_token(client, "/manage/people/invite-many")
    read = await client.post(
        "/manage/people/invite-many",
        data={"csrf_token": token},
        files={"file": ("fields.csv", FIELD_LIST.encode(), "text/csv")},
    )
    assert read.status_code == 303
    preview = _page(await client.get(read.headers["location"]))
    shown = {
        line: preview.select_one(f"#line-{line}").get_text(" ", strip=True) for line in (3, 4, 5)
    }
    assert shown == {
        3: "3 grace@example.com Region: Choose one of the options.",
        4: "4 alan@example.com Customer since: Enter a date as YYYY-MM-DD.",
        5: "5 kay@example.com NPS score: Enter a whole number.",
    }
    sent = await post_form(
        client, read.headers["location"] + "/send", {}, page="/manage/people/invite-many"
    )
    assert sent.status_code == 303

    by_label = {field.id: field.label for field in await session.scalars(select(ProfileField))}

    async def answers_of(email: str) -> dict[str, str]:
        person = await auth.find_user_by_email(session, email)
        assert person is not None
        assert person.status == UserStatus.INVITED
        rows = await session.execute(
            select(ProfileValue.field_id, ProfileValue.value).where(
                ProfileValue.user_id == person.id
            )
        )
        return {by_label[field_id]: value for field_id, value in rows.all()}

    assert await answers_of("ada@example.com") == {
        "Region": "EMEA",
        "Customer since": "2019-04-01",
        "NPS score": "1000",
        "Account notes": "Key account",
    }
    # Empty cells answer nothing: a required field is asked on the person's profile.
    assert await answers_of("linus@example.com") == {}
    assert await auth.find_user_by_email(session, "grace@example.com") is None
