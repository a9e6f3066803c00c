"""Manage → Referrals → Import: a CRM export mapped, previewed with per-row errors, and imported
through the referral services, all or nothing unless only the valid rows are chosen."""

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.points.models import LedgerEntry
from portal.referrals.models import Referral, ReferralEvent
from tests.factories import (
    csrf_token,
    login_as,
    make_admin,
    make_advocate,
    make_marketer,
    make_referral,
    make_sales,
)

PAGE = "/manage/referrals/import"


def crm_export(referrer: str, *extra_rows: str) -> str:
    return "\n".join(
        [
            "Record ID,Contact,Email,Account Name,Deal Stage,Amount,Referred by",
            f'D-100,Ada Lovelace,ada@analytical.example,Analytical,won,"12,000",{referrer}',
            f"D-101,Alan Turing,alan@bletchley.example,Bletchley,qualified,,{referrer.upper()}",
            *extra_rows,
        ]
    )


async def upload(client: httpx.AsyncClient, text: str) -> httpx.Response:
    token = await csrf_token(client, PAGE)
    return await client.post(
        PAGE,
        data={"csrf_token": token},
        files={"file": ("export.csv", text.encode(), "text/csv")},
    )


def carried_form(response: httpx.Response) -> dict[str, str]:
    """The preview's fields as a browser would send them back."""
    page = BeautifulSoup(response.text, "html.parser")
    form = page.select_one("form[enctype]")
    data = {"csv_text": form.select_one("textarea[name=csv_text]").get_text()}
    data["csrf_token"] = form.select_one("input[name=csrf_token]")["value"]
    for select_field in form.select("select"):
        chosen = select_field.select_one("option[selected]")
        data[select_field["name"]] = chosen["value"] if chosen else ""
    for box in form.select("input[type=checkbox]"):
        if box.has_attr("checked"):
            data[box["name"]] = "on"
    return data


async def referral_count(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Referral)) or 0


async def test_an_export_is_mapped_by_its_headers_previewed_and_imported_without_points(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    await login_as(client, await make_sales(session))

    preview = await upload(client, crm_export(advocate.email))

    assert preview.status_code == 200
    page = BeautifulSoup(preview.text, "html.parser")
    assert "2 ready" in page.select_one("#import-summary").get_text()
    assert page.select_one("#f-map-external_id option[selected]").get_text() == "Record ID"
    assert page.select_one("#f-map-referrer_email option[selected]").get_text() == "Referred by"
    assert await referral_count(session) == 0  # a preview writes nothing

    done = await client.post(PAGE, data={**carried_form(preview), "action": "import"})

    assert done.status_code == 303
    rows = list(await session.scalars(select(Referral).order_by(Referral.id)))
    assert [(r.external_id, r.stage, r.deal_value, r.source) for r in rows] == [
        ("D-100", "won", 12000, "import"),
        ("D-101", "qualified", None, "import"),
    ]
    assert all(r.referrer_id == advocate.id for r in rows)
    paid = await session.scalar(select(func.count()).where(LedgerEntry.user_id == advocate.id))
    assert paid == 0  # a history import (the default) pays nothing
    timeline = await session.scalars(
        select(ReferralEvent.to_stage).where(ReferralEvent.referral_id == rows[0].id)
    )
    assert list(timeline) == ["submitted", "won"]


async def test_unticking_history_pays_every_stage_reached(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    await login_as(client, await make_admin(session))
    preview = await upload(client, crm_export(advocate.email))
    form = carried_form(preview)
    del form["history"]

    assert (await client.post(PAGE, data={**form, "action": "import"})).status_code == 303

    awarded = await session.scalar(
        select(func.sum(LedgerEntry.delta)).where(LedgerEntry.user_id == advocate.id)
    )
    assert awarded == (50 + 200 + 300 + 1000) + (50 + 200)


async def test_rows_with_problems_are_listed_and_nothing_is_written_unless_only_valid_is_chosen(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    await make_referral(session, advocate, email="grace@navy.example")
    await login_as(client, await make_sales(session))
    text = crm_export(
        advocate.email,
        f"D-102,Grace Hopper,grace@navy.example,Navy,submitted,,{advocate.email}",
        "D-100,Bad Row,not-an-email,X,sideways,lots,nobody@nowhere.example",
    )
    preview = await upload(client, text)
    page = BeautifulSoup(preview.text, "html.parser")
    assert "2 with problems" in page.select_one("#import-summary").get_text()
    assert "grace@navy.example has already been referred." in page.select_one("#line-4").get_text()
    problems = page.select_one("#line-5").get_text()
    for expected in (
        "not-an-email is not an email address.",
        "Stage “sideways” is not one of",
        "Deal value “lots” is not a whole amount.",
        "No active member has the email nobody@nowhere.example.",
        "CRM id D-100 is also on line 2.",
    ):
        assert expected in problems

    refused = await client.post(PAGE, data={**carried_form(preview), "action": "import"})
    assert refused.status_code == 422
    assert (
        "2 rows can't be imported"
        in BeautifulSoup(refused.text, "html.parser").select_one(".form-error").get_text()
    )
    assert await referral_count(session) == 1  # only the one made before

    form = {**carried_form(refused), "only_valid": "on", "action": "import"}
    assert (await client.post(PAGE, data=form)).status_code == 303
    assert await referral_count(session) == 3


async def test_a_chosen_mapping_replaces_the_guess_and_a_missing_required_column_is_named(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_sales(session))
    preview = await upload(client, crm_export("someone@example.com"))
    form = {**carried_form(preview), "map_referrer_email": "", "action": "preview"}

    again = await client.post(PAGE, data=form)

    assert again.status_code == 422
    page = BeautifulSoup(again.text, "html.parser")
    assert (
        "Choose the column that holds the referrer's email."
        in page.select_one("#f-referrer_email-error").get_text()
    )
    assert page.select_one("#f-map-prospect_name option[selected]").get_text() == "Contact"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Email\n", "needs a header row and at least one referral"),
        (b"\xff\xfeE\x00m\x00", "Save the file as CSV in UTF-8"),
    ],
)
async def test_an_unreadable_file_is_explained(
    client: httpx.AsyncClient, session: AsyncSession, content: bytes, message: str
) -> None:
    await login_as(client, await make_admin(session))
    token = await csrf_token(client, PAGE)
    response = await client.post(
        PAGE, data={"csrf_token": token}, files={"file": ("x.csv", content, "text/csv")}
    )
    assert response.status_code == 422
    assert (
        message
        in BeautifulSoup(response.text, "html.parser").select_one("#f-file-error").get_text()
    )


async def test_marketers_and_advocates_cannot_import(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    assert (await client.get(PAGE)).status_code == 403
