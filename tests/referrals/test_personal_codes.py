"""Personal referral codes: every account gets a short code (`PRIYA-7K2`) that a prospect types
on `/refer` or a sales rep enters on a new referral, crediting the advocate; codes match in any
case, an unknown one is a form error keeping what was typed, and lookups are throttled."""

import re

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.people.models import UserStatus
from portal.referrals import service as referrals
from portal.referrals.models import Referral, Source
from tests.factories import login_as, make_advocate, make_sales, post_form

PROSPECT = {"name": "Grace Hopper", "email": "grace@navylabs.example", "company": "Navy Labs"}


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def field_error(response: httpx.Response, name: str) -> str:
    field = soup(response).select_one(f"#f-{name}").find_parent(class_="field")
    return field.get_text(" ", strip=True)


async def _referral(session: AsyncSession, email: str) -> Referral | None:
    return await session.scalar(select(Referral).where(Referral.prospect_email == email))


async def test_each_account_gets_a_unique_code_found_in_any_case(session: AsyncSession) -> None:
    priya = await make_advocate(session, name="Priya Raman")
    other_priya = await make_advocate(session, name="Priya Raman")
    nameless = await make_advocate(session, name="   ")
    assert priya.personal_code is not None
    assert re.fullmatch(r"PRIYA-[2-9A-HJKMNP-Z]{3}", priya.personal_code)
    assert other_priya.personal_code != priya.personal_code
    assert nameless.personal_code is not None
    assert nameless.personal_code.startswith("PERSON")

    typed = f"  {priya.personal_code.lower()} "
    assert await referrals.access_advocate_for_personal_code(session, typed) == priya
    with pytest.raises(referrals.UnknownPersonalCode):
        await referrals.access_advocate_for_personal_code(session, "PRIYA-000")
    priya.status = UserStatus.SUSPENDED
    with pytest.raises(referrals.UnknownPersonalCode):
        await referrals.access_advocate_for_personal_code(session, priya.personal_code)


async def test_a_prospect_types_the_code_on_the_public_form(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    priya = await make_advocate(session, name="Priya Raman")
    assert priya.personal_code is not None
    page = await client.get("/refer")
    assert "Were you recommended to us?" in page.text
    assert soup(page).select_one("input#f-code") is not None

    unknown = await post_form(client, "/refer", {**PROSPECT, "code": "nobody-2x3"}, page="/refer")
    assert unknown.status_code == 422
    assert "No advocate has this referral code" in field_error(unknown, "code")
    kept = soup(unknown)
    assert kept.select_one("#f-code")["value"] == "nobody-2x3"
    assert kept.select_one("#f-email")["value"] == PROSPECT["email"]
    assert await _referral(session, PROSPECT["email"]) is None

    missing = await post_form(client, "/refer", PROSPECT, page="/refer")
    assert missing.status_code == 422
    assert "Enter the referral code you were given." in field_error(missing, "code")

    sent = await client.post(
        "/refer",
        data={**PROSPECT, "code": priya.personal_code.lower(), "csrf_token": _token(kept)},
        headers=htmx,
    )
    assert sent.status_code == 200, sent.text
    assert "Priya Raman will be glad to hear it." in sent.text
    referral = await _referral(session, PROSPECT["email"])
    assert referral is not None
    assert (referral.referrer_id, referral.source) == (priya.id, Source.CODE)

    again = await post_form(
        client, "/refer", {**PROSPECT, "code": priya.personal_code}, page="/refer"
    )
    assert again.status_code == 409
    assert "We already have these details" in again.text


def _token(page: BeautifulSoup) -> str:
    return str(page.select_one("input[name=csrf_token]")["value"])


async def test_code_lookups_are_throttled_with_a_clear_message(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    priya = await make_advocate(session, name="Priya Raman")
    assert priya.personal_code is not None
    for guess in ("PRIYA-222", "PRIYA-223", "PRIYA-224", "PRIYA-225"):
        tried = await post_form(client, "/refer", {**PROSPECT, "code": guess}, page="/refer")
        assert tried.status_code == 422
    # Even the right code is not looked up now: guessing stops, not just failing guesses.
    throttled = await post_form(
        client, "/refer", {**PROSPECT, "code": priya.personal_code}, page="/refer"
    )
    assert throttled.status_code == 429
    assert "checked many referral codes from you" in field_error(throttled, "code")
    assert soup(throttled).select_one("#f-code")["value"] == priya.personal_code
    assert await _referral(session, PROSPECT["email"]) is None


async def test_a_rep_enters_the_code_on_a_new_referral(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    priya = await make_advocate(session, name="Priya Raman")
    rep = await make_sales(session)
    assert priya.personal_code is not None
    await login_as(client, rep)
    board = soup(await client.get("/pipeline/"))
    assert board.select_one("a[href$='/referrals/new']").get_text() == "Add with a referral code"
    form = soup(await client.get("/referrals/new"))
    assert form.select_one("input#f-code") is not None

    unknown = await post_form(client, "/referrals/new", {**PROSPECT, "code": "PRIYA-000"})
    assert unknown.status_code == 422
    assert "No advocate has this referral code" in field_error(unknown, "code")
    assert soup(unknown).select_one("#f-name")["value"] == PROSPECT["name"]

    sent = await post_form(
        client, "/referrals/new", {**PROSPECT, "code": priya.personal_code.lower()}
    )
    assert sent.status_code == 303
    referral = await _referral(session, PROSPECT["email"])
    assert referral is not None
    assert (referral.referrer_id, referral.source) == (priya.id, Source.CODE)
    assert sent.headers["location"].endswith(f"/pipeline/{referral.id}")
    detail = await client.get(sent.headers["location"])
    assert "Priya Raman" in detail.text
    assert "via their code" in detail.text


async def test_an_advocate_sees_their_code_and_cannot_refer_for_others(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    priya = await make_advocate(session, name="Priya Raman")
    ada = await make_advocate(session, name="Ada Lovelace")
    assert priya.personal_code is not None
    assert ada.personal_code is not None
    await login_as(client, ada)
    mine = soup(await client.get("/referrals/"))
    assert mine.select_one("#personal-code").get_text(strip=True) == ada.personal_code
    assert soup(await client.get("/referrals/new")).select_one("input#f-code") is None

    # A code posted anyway is ignored: the referral is the advocate's own.
    sent = await post_form(client, "/referrals/new", {**PROSPECT, "code": priya.personal_code})
    assert sent.status_code == 303
    referral = await _referral(session, PROSPECT["email"])
    assert referral is not None
    assert (referral.referrer_id, referral.source) == (ada.id, Source.FORM)
