"""Which language a person reads the portal in, and that pages and emails speak it."""

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import i18n
from portal.money import money
from portal.outbox.models import EmailCategory, OutboxEmail
from portal.outbox.service import queue_email
from portal.program import service as program
from portal.templating import local_date, number, timeago
from tests.factories import login_as, make_advocate, post_form


@pytest.mark.parametrize(
    ("own", "header", "program_language", "expected"),
    [
        ("de", "en-US,en;q=0.9", "en", "de"),  # the profile wins
        ("", "fr-CH, de-AT;q=0.8, en;q=0.5", "en", "de"),  # the browser's best the portal speaks
        ("", "fr, es;q=0.5", "de", "de"),  # else the program's
        ("pt-BR", "", "", "en"),  # a language without a catalogue: the default
        ("", "de;q=0, en", "de", "en"),  # q=0 means "not this one"
    ],
)
def test_a_person_reads_their_own_language_else_their_browsers_else_the_programs(
    own: str, header: str, program_language: str, expected: str
) -> None:
    assert i18n.choose(own=own, accept_language=header, program=program_language) == expected


def test_numbers_dates_and_times_ago_follow_the_language() -> None:
    from datetime import UTC, datetime, timedelta

    from portal.clock import utcnow

    day = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
    with i18n.using("de"):
        assert number(4075) == "4.075"
        assert local_date(day) == "04.12.2026"
        assert timeago(utcnow() - timedelta(days=3, hours=2)) == "vor 3 Tagen"
    with i18n.using("en"):
        assert number(4075) == "4,075"
        assert local_date(day) == "04 Dec 2026"
        assert timeago(utcnow() - timedelta(days=3, hours=2)) == "3 days ago"


async def test_the_page_language_follows_browser_then_profile(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    page = await client.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert BeautifulSoup(page.text, "html.parser").html["lang"] == "de"
    user = await make_advocate(session)
    await login_as(client, user)
    form = {"display_name": user.display_name, "language": "de"}
    assert (await post_form(client, "/profile", form)).status_code == 303
    await session.refresh(user)
    assert user.language == "de"
    profile = BeautifulSoup((await client.get("/profile")).text, "html.parser")
    assert profile.html["lang"] == "de"
    assert profile.select_one("#f-language option[selected]")["value"] == "de"
    form["language"] = ""  # back to the program's (English)
    await post_form(client, "/profile", form, headers={"Accept-Language": "en"})
    assert BeautifulSoup((await client.get("/")).text, "html.parser").html["lang"] == "en"


async def test_an_unknown_language_in_the_profile_form_is_refused(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await make_advocate(session)
    await login_as(client, user)
    response = await post_form(
        client, "/profile", {"display_name": user.display_name, "language": "xx"}
    )
    assert response.status_code == 422
    error = BeautifulSoup(response.text, "html.parser").select_one("#f-language-error")
    assert "Choose a language from the list." in error.get_text()


async def test_an_email_is_written_in_its_recipients_language(session: AsyncSession) -> None:
    await program.update(session, actor=None, language="de")
    german = await make_advocate(session, email="greta@example.com")
    english = await make_advocate(session, email="ellen@example.com")
    english.language = "en"
    for person in (german, english):
        await queue_email(
            session,
            to=person.email,
            kind="quiet_nudge",
            context={
                "name": person.display_name,
                "first_name": "Greta",
                "link": "https://portal.example/",
                "referral_link": "https://portal.example/r/x",
                "balance": 4075,
                "second": False,
                "days": 31,
                "rewards": [],
                "challenges": [],
            },
            user_id=person.id,
            category=EmailCategory.REMINDERS,
        )
    emails = {
        email.to_address: email
        for email in await session.scalars(select(OutboxEmail).order_by(OutboxEmail.id))
    }
    assert "Sie erhalten diese E-Mail" in emails["greta@example.com"].text_body
    assert 'lang="de"' in emails["greta@example.com"].html_body
    assert "You get this because reminders and nudges emails are on" in (
        emails["ellen@example.com"].text_body
    )


@pytest.mark.parametrize(
    ("language", "grouped", "deal", "euros", "share"),
    [
        ("en", "4,075", "$48,000", "€1,200", "42%"),
        ("de", "4.075", "48.000\u00a0$", "1.200\u00a0€", "42\u00a0%"),
    ],
)
def test_numbers_money_and_percentages_follow_the_language(
    language: str, grouped: str, deal: str, euros: str, share: str
) -> None:
    with i18n.using(language):
        assert number(4075) == grouped
        assert money(48000, "USD") == deal
        assert money(1200, "EUR") == euros
        assert i18n.percent(0.42) == share
        assert money(None, "USD") == ""
