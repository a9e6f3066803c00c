"""Custom profile fields: marketers define them; people answer on their profile (and at
sign-up when asked there); staff see the answers and filter the People table by them."""

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.people.models import FieldKind, ProfileField, ProfileValue, User
from portal.program import service as program
from portal.program.service import SignupMode
from tests.factories import csrf_token, login_as, make_advocate, make_marketer, post_form

FIELDS = "/manage/people/fields"


async def add_field(client: httpx.AsyncClient, **values: str) -> httpx.Response:
    return await post_form(client, FIELDS, values, page=FIELDS)


async def test_marketer_defines_fields_with_clear_errors(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    missing = await add_field(client, label="Region", kind="choice", choices="  ")
    assert missing.status_code == 422
    page = BeautifulSoup(missing.text, "html.parser")
    assert "List the options" in page.select_one("#f-choices-error").get_text()
    assert page.select_one("#f-label")["value"] == "Region"

    saved = await add_field(
        client, label="Region", kind="choice", choices="EMEA\n Americas \nAPAC", on_profile="on"
    )
    assert saved.status_code == 303
    twice = await add_field(client, label="region", kind="text")
    assert twice.status_code == 422
    assert "Another field has this label" in twice.text
    field = await session.scalar(select(ProfileField))
    assert field is not None
    assert field.options == ["EMEA", "Americas", "APAC"]
    changed = await post_form(
        client, f"{FIELDS}/{field.id}", {"label": "Region", "kind": "number"}, page=FIELDS
    )
    assert changed.status_code == 422
    assert "keeps its kind" in changed.text


async def test_advocate_answers_on_the_profile_and_staff_filter_by_it(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    priya = await make_advocate(session, name="Priya Raman")
    await make_advocate(session, name="Jonas Berg")
    await login_as(client, marketer)
    await add_field(
        client,
        label="Region",
        kind="choice",
        choices="EMEA\nAPAC",
        on_profile="on",
        is_required="on",
    )
    await add_field(client, label="NPS", kind="number", on_profile="on")
    region, nps = list(await session.scalars(select(ProfileField).order_by(ProfileField.id)))

    advocate = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    await login_as(advocate, priya)
    profile = BeautifulSoup((await advocate.get("/profile")).text, "html.parser")
    assert profile.select_one(f"#f-field_{region.id}") is not None
    details = {"display_name": "Priya Raman", "company": "", "job_title": ""}
    wrong = await post_form(
        advocate, "/profile", {**details, f"field_{region.id}": "", f"field_{nps.id}": "ten"}
    )
    assert wrong.status_code == 422
    page = BeautifulSoup(wrong.text, "html.parser")
    assert "required" in page.select_one(f"#f-field_{region.id}-error").get_text()
    assert "whole number" in page.select_one(f"#f-field_{nps.id}-error").get_text()
    assert page.select_one(f"#f-field_{nps.id}")["value"] == "ten"
    assert await session.scalar(select(ProfileValue)) is None

    saved = await post_form(
        advocate, "/profile", {**details, f"field_{region.id}": "EMEA", f"field_{nps.id}": "9"}
    )
    assert saved.status_code == 303

    person = (
        BeautifulSoup((await client.get(f"/manage/people/{priya.id}")).text, "html.parser")
        .select_one(".facts")
        .get_text(" ", strip=True)
    )
    assert "Region EMEA" in person
    assert "NPS 9" in person
    table = BeautifulSoup(
        (await client.get(f"/manage/people/?field_{region.id}=EMEA")).text, "html.parser"
    )
    assert [a.strong.get_text() for a in table.select("#people-table a.person")] == ["Priya Raman"]
    export = await client.get(f"/manage/people/export.csv?field_{nps.id}=9")
    header, row = export.text.lstrip("\ufeff").splitlines()[:2]
    assert header.endswith("Region,NPS")
    assert row.endswith("EMEA,9")


async def test_sign_up_asks_the_fields_marked_for_it(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await program.update(session, actor=None, signup_mode=SignupMode.OPEN)
    industry = ProfileField(label="Industry", kind=FieldKind.TEXT, on_signup=True, is_required=True)
    hidden = ProfileField(label="Account id", kind=FieldKind.TEXT, on_signup=False)
    session.add_all([industry, hidden])
    await session.flush()
    page = BeautifulSoup((await client.get("/signup")).text, "html.parser")
    assert page.select_one(f"#f-field_{industry.id}") is not None
    assert page.select_one(f"#f-field_{hidden.id}") is None

    token = await csrf_token(client, "/signup")
    applicant = {
        "display_name": "Pat Doe",
        "email": "pat@newco.example",
        "company": "NewCo",
        "job_title": "",
        "password": "a long enough password",
        "csrf_token": token,
    }
    missing = await client.post("/signup", data=applicant)
    assert missing.status_code == 422
    assert (
        "required"
        in BeautifulSoup(missing.text, "html.parser")
        .select_one(f"#f-field_{industry.id}-error")
        .get_text()
    )
    assert await session.scalar(select(User).where(User.email == "pat@newco.example")) is None

    joined = await client.post("/signup", data={**applicant, f"field_{industry.id}": "Retail"})
    assert joined.status_code == 200
    pat = await session.scalar(select(User).where(User.email == "pat@newco.example"))
    assert pat is not None
    answer = await session.scalar(select(ProfileValue.value).where(ProfileValue.user_id == pat.id))
    assert answer == "Retail"
