import csv
import io

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from portal.challenges import service as challenges
from portal.challenges.models import Approval, Challenge, ChallengeStatus, ChallengeType
from portal.points import service as points
from tests.factories import login_as, make_advocate, make_challenge, make_marketer, post_form
from tests.referrals.test_routes import counted_queries


def _page(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


BASE_FORM = {
    "title": "Tell us how you deploy",
    "summary": "Three quick questions",
    "body": "We read every answer.",
    "type": "answer_questions",
    "points": "75",
    "status": "published",
    "approval": "manual",
    "max_per_user": "1",
    "max_total": "",
    "starts_at": "",
    "ends_at": "",
}


async def test_the_questions_editor_adds_and_removes_rows_without_javascript(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    page = _page(await client.get("/manage/challenges/new?type=answer_questions"))
    assert page.select_one("#question-0") is not None
    added = await post_form(
        client,
        "/manage/challenges/new",
        {**BASE_FORM, "q-text-0": "Which cloud?", "q-kind-0": "single", "action": "add_question"},
    )
    assert added.status_code == 200
    form = _page(added)
    assert form.select_one("#f-q-text-0")["value"] == "Which cloud?"
    assert form.select_one("#question-1") is not None
    assert form.select_one("#f-title")["value"] == BASE_FORM["title"]
    removed = await post_form(
        client,
        "/manage/challenges/new",
        {**BASE_FORM, "q-text-0": "A", "q-text-1": "B", "action": "remove_question-0"},
    )
    assert _page(removed).select_one("#f-q-text-0")["value"] == "B"
    assert await session.scalar(select(Challenge.id)) is None


async def test_a_bad_challenge_form_keeps_everything_and_marks_the_wrong_fields(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    response = await post_form(
        client,
        "/manage/challenges/new",
        {
            **BASE_FORM,
            "points": "lots",
            "ends_at": "tomorrow",
            "q-text-0": "Which cloud?",
            "q-kind-0": "single",
            "q-options-0": "Only one",
            "action": "save",
        },
    )
    assert response.status_code == 422
    page = _page(response)
    assert page.select_one("#f-points-error") is not None
    assert page.select_one("#f-ends_at-error") is not None
    assert "two options" in page.select_one("#f-q-options-0-error").get_text()
    assert page.select_one("#f-q-options-0").get_text() == "Only one"
    assert await session.scalar(select(Challenge.id)) is None


async def test_a_marketer_creates_edits_previews_duplicates_and_archives(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    created = await post_form(
        client,
        "/manage/challenges/new",
        {
            **BASE_FORM,
            "q-text-0": "Which cloud?",
            "q-kind-0": "single",
            "q-options-0": "AWS\nGCP\nAzure",
            "q-required-0": "on",
            "q-text-1": "Anything else?",
            "q-kind-1": "text",
            "action": "save",
        },
    )
    assert created.status_code == 303
    challenge = await session.scalar(select(Challenge))
    assert challenge.questions == [
        {
            "text": "Which cloud?",
            "kind": "single",
            "options": ["AWS", "GCP", "Azure"],
            "required": True,
        },
        {"text": "Anything else?", "kind": "text", "options": [], "required": False},
    ]
    edit = _page(await client.get(f"/manage/challenges/{challenge.id}"))
    assert edit.select_one("#f-q-options-0").get_text() == "AWS\nGCP\nAzure"
    preview = _page(await client.get(f"/manage/challenges/{challenge.id}/preview"))
    assert preview.select_one("#preview-notice") is not None
    assert preview.select_one("#submission-box button[type=submit]").has_attr("disabled")

    copy = await post_form(client, f"/manage/challenges/{challenge.id}/duplicate", {})
    assert copy.status_code == 303
    archived = await post_form(client, f"/manage/challenges/{challenge.id}/archive", {})
    assert archived.status_code == 303
    titles = {
        (c.title, c.status)
        for c in await session.scalars(select(Challenge).execution_options(populate_existing=True))
    }
    assert titles == {
        ("Tell us how you deploy", ChallengeStatus.ARCHIVED),
        ("Tell us how you deploy (copy)", ChallengeStatus.DRAFT),
    }


async def test_the_queue_shows_the_proof_and_approves_and_rejects_with_feedback(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    challenge = await make_challenge(
        session, type=ChallengeType.ANSWER_QUESTIONS, approval=Approval.MANUAL, points=30
    )
    ada, bob = await make_advocate(session, name="Ada"), await make_advocate(session, name="Bob")
    answers = {"answers": [{"question": "Which plan are you on?", "answer": "Enterprise"}]}
    first = await challenges.submit_entry(
        session, user=ada, challenge_id=challenge.id, key="a", response=answers
    )
    second = await challenges.submit_entry(
        session, user=bob, challenge_id=challenge.id, key="b", response=answers
    )
    await login_as(client, await make_marketer(session))
    page = _page(await client.get(f"/manage/approvals/?challenge={challenge.id}", headers=htmx))
    assert (page.find("html") is None) == bool(htmx)
    assert "Enterprise" in page.select_one(f"#submission-{first.id} .proof").get_text()

    no_reason = await post_form(client, f"/manage/approvals/{second.id}/reject", {}, page="/")
    assert no_reason.status_code == 303
    approved = await post_form(client, f"/manage/approvals/{first.id}/approve", {}, page="/")
    assert approved.status_code == 303
    rejected = await post_form(
        client, f"/manage/approvals/{second.id}/reject", {"feedback": "Not a customer"}, page="/"
    )
    assert rejected.status_code == 303
    assert (await points.balance_of(session, ada)).current == 30
    assert (await points.balance_of(session, bob)).current == 0
    left = _page(await client.get("/manage/approvals/"))
    assert "Nothing to review" in left.select_one(".empty").get_text()
    client.cookies.clear()
    await login_as(client, bob)
    mine = _page(await client.get(f"/challenges/{challenge.id}"))
    assert mine.select_one(".entry-feedback").get_text() == "Not a customer"


async def test_bulk_approval_pays_each_ticked_entry_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    challenge = await make_challenge(session, approval=Approval.MANUAL, points=10)
    people = [await make_advocate(session) for _ in range(3)]
    entries = [
        await challenges.submit_entry(
            session, user=p, challenge_id=challenge.id, key=f"k{n}", response={"text": "x"}
        )
        for n, p in enumerate(people)
    ]
    await login_as(client, await make_marketer(session))
    ids = [str(e.id) for e in entries[:2]]
    for _ in range(2):
        done = await post_form(
            client, "/manage/approvals/bulk", {"ids": ids, "action": "approve"}, page="/"
        )
        assert done.status_code == 303
    balances = [(await points.balance_of(session, p)).current for p in people]
    assert balances == [10, 10, 0]
    results = _page(await client.get(f"/manage/challenges/{challenge.id}/results"))
    assert results.select_one("#stat-completions").get_text() == "2"
    assert results.select_one("#stat-pending").get_text() == "1"
    assert results.select_one("#stat-points").get_text() == "20"
    exported = await client.get(f"/manage/challenges/{challenge.id}/results.csv")
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0][:5] == ["id", "submitted", "advocate", "email", "status"]
    assert [r[4] for r in rows[1:]] == ["approved", "approved", "pending"]


@pytest.mark.parametrize(
    "path",
    ["/manage/challenges/", "/manage/challenges/new", "/manage/approvals/"],
)
async def test_advocates_get_403_on_marketer_pages(
    client: httpx.AsyncClient, session: AsyncSession, path: str
) -> None:
    await login_as(client, await make_advocate(session))
    assert (await client.get(path)).status_code == 403


async def test_list_pages_make_the_same_number_of_queries_for_more_challenges(
    client: httpx.AsyncClient, session: AsyncSession, connection: AsyncConnection
) -> None:
    advocate = await make_advocate(session)
    marketer = await make_marketer(session)

    async def add_some() -> None:
        challenge = await make_challenge(session, approval=Approval.MANUAL, max_per_user=2)
        await challenges.submit_entry(
            session,
            user=advocate,
            challenge_id=challenge.id,
            key=f"qc{challenge.id}",
            response={"text": "x"},
        )
        await session.flush()

    async def count(paths: dict[str, object]) -> dict[str, int]:
        found = {}
        for path, user in paths.items():
            client.cookies.clear()
            await login_as(client, user)
            with counted_queries(connection) as statements:
                assert (await client.get(path)).status_code == 200
            found[path] = len(statements)
        return found

    pages = {
        "/challenges/?tab=available": advocate,
        "/challenges/?tab=pending": advocate,
        "/manage/challenges/": marketer,
        "/manage/approvals/": marketer,
    }
    await add_some()
    small = await count(pages)
    for _ in range(4):
        await add_some()
    assert await count(pages) == small


async def test_results_export_neutralises_formulas_typed_by_advocates(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    challenge = await make_challenge(session, approval=Approval.MANUAL, points=10)
    answers = ["=HYPERLINK(evil)", "+1+1", "-2+3", "@SUM(A1)"]
    for n, answer in enumerate(answers):
        await challenges.submit_entry(
            session,
            user=await make_advocate(session),
            challenge_id=challenge.id,
            key=f"k{n}",
            response={"text": answer},
        )
    await login_as(client, await make_marketer(session))
    exported = await client.get(f"/manage/challenges/{challenge.id}/results.csv")
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    proofs = sorted(row[rows[0].index("proof")] for row in rows[1:])
    assert proofs == sorted("'" + answer for answer in answers)
