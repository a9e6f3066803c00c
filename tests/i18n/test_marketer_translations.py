"""Marketers' own texts in other languages: challenges, rewards, content items and email
wordings read in each reader's language, falling back to what the marketer wrote."""

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import i18n
from portal.auth import service as auth
from portal.challenges.models import Challenge
from portal.content.models import Asset
from portal.outbox.models import OutboxEmail
from portal.rewards.models import Reward
from tests.factories import (
    login_as,
    make_advocate,
    make_challenge,
    make_marketer,
    make_reward,
    post_form,
)

CHALLENGE_FORM = {
    "title": "Review us on G2",
    "summary": "Five minutes of your time",
    "body": "Tell others what you like.",
    "type": "custom",
    "points": "80",
    "status": "published",
    "approval": "auto",
    "max_per_user": "1",
    "max_total": "",
    "starts_at": "",
    "ends_at": "",
    "proof_hint": "",
    "action": "save",
}


def _page(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def test_a_german_reader_sees_the_german_challenge_and_an_english_reader_the_source(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    form = await client.get("/manage/challenges/new?type=custom")
    assert _page(form).select_one("#f-tr-de-title") is not None  # German is offered
    saved = await post_form(
        client,
        "/manage/challenges/new",
        {
            **CHALLENGE_FORM,
            "tr-de-title": "Bewerten Sie uns auf G2",
            "tr-de-body": 'Erzählen Sie anderen, was Ihnen gefällt.<script>alert("x")</script>',
        },
    )
    assert saved.status_code == 303
    challenge = await session.scalar(select(Challenge).where(Challenge.title == "Review us on G2"))
    assert challenge is not None
    assert challenge.translations["de"]["body_html"].count("<script") == 0

    edit = _page(await client.get(f"/manage/challenges/{challenge.id}"))
    assert edit.select_one("#f-title")["value"] == "Review us on G2"
    assert edit.select_one("#f-tr-de-title")["value"] == "Bewerten Sie uns auf G2"

    german = await make_advocate(session, email="jonas@example.de")
    german.language = "de"
    await session.flush()
    client.cookies.clear()
    await login_as(client, german)
    detail = _page(await client.get(f"/challenges/{challenge.id}"))
    assert detail.h1.get_text(strip=True) == "Bewerten Sie uns auf G2"
    text = detail.get_text(" ", strip=True)
    assert "Erzählen Sie anderen, was Ihnen gefällt." in text
    # No German summary was written: the source stands in for it.
    listing = (await client.get("/challenges/")).text
    assert "Bewerten Sie uns auf G2" in listing
    assert "Five minutes of your time" in listing

    english = await make_advocate(session, email="ann@example.com")
    client.cookies.clear()
    await login_as(client, english)
    detail = _page(await client.get(f"/challenges/{challenge.id}"))
    assert detail.h1.get_text(strip=True) == "Review us on G2"
    assert "Bewerten" not in (await client.get("/challenges/")).text


async def test_a_too_long_translation_is_an_error_on_its_field_and_the_form_keeps_everything(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    response = await post_form(
        client, "/manage/challenges/new", {**CHALLENGE_FORM, "tr-de-title": "Ü" * 121}
    )
    assert response.status_code == 422
    page = _page(response)
    assert page.select_one("#f-tr-de-title-error") is not None
    assert page.select_one("#f-tr-de-title")["value"] == "Ü" * 121
    assert page.select_one("details.translation")["open"] is not None
    assert page.select_one("#f-title")["value"] == "Review us on G2"
    assert await session.scalar(select(Challenge.id)) is None


async def test_editing_in_german_changes_the_source_not_the_translation(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    challenge = await make_challenge(
        session,
        title="Join the beta",
        translations={"de": {"title": "Machen Sie bei der Beta mit"}},
    )
    marketer = await make_marketer(session, email="marta@example.de")
    marketer.language = "de"
    await session.flush()
    await login_as(client, marketer)
    edit = _page(await client.get(f"/manage/challenges/{challenge.id}"))
    assert edit.select_one("#f-title")["value"] == "Join the beta"
    fields = {
        **CHALLENGE_FORM,
        "title": "Join the beta programme",
        "tr-de-title": "Machen Sie bei der Beta mit",
    }
    saved = await post_form(client, f"/manage/challenges/{challenge.id}", fields)
    assert saved.status_code == 303
    await session.refresh(challenge)
    assert challenge.title_source == "Join the beta programme"
    with i18n.using("de"):
        assert challenge.title == "Machen Sie bei der Beta mit"
    with i18n.using("en"):
        assert challenge.title == "Join the beta programme"


async def test_rewards_and_content_read_in_the_readers_language(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    reward = await make_reward(session, title="Acme hoodie")
    await login_as(client, await make_marketer(session))
    reward_form = {
        "title": "Acme hoodie",
        "description": "Warm and soft.",
        "kind": "physical",
        "cost": "500",
        "inventory": "",
        "per_user_limit": "",
        "cause": "",
        "required_level_id": "",
        "is_active": "on",
        "tr-de-title": "Acme-Kapuzenpullover",
        "tr-de-description": "Warm und <b>weich</b>.",
    }
    saved = await post_form(client, f"/manage/rewards/{reward.id}", reward_form)
    assert saved.status_code == 303
    edit = _page(await client.get(f"/manage/rewards/{reward.id}"))
    assert edit.select_one("#f-title")["value"] == "Acme hoodie"
    assert edit.select_one("#f-tr-de-description").get_text() == "Warm und <b>weich</b>."

    asset = Asset(
        title="Product fact sheet",
        description_html="<p>All the numbers.</p>",
        kind="link",
        url="https://acme.example/facts",
        is_published=True,
        translations={"de": {"title": "Produktdatenblatt"}},
    )
    session.add(asset)
    await session.flush()

    german = await make_advocate(session, email="lena@example.de")
    german.language = "de"
    await session.flush()
    client.cookies.clear()
    await login_as(client, german)
    rewards_page = (await client.get("/rewards/")).text
    assert "Acme-Kapuzenpullover" in rewards_page
    assert "Acme hoodie" not in rewards_page
    content_page = (await client.get("/content/")).text
    assert "Produktdatenblatt" in content_page
    stored = await session.scalar(select(Reward.title).where(Reward.id == reward.id))
    assert stored == "Acme hoodie"  # queries read the source


async def test_an_emails_opening_goes_out_in_the_recipients_language(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    await login_as(client, marketer)
    saved = await post_form(
        client,
        "/manage/emails/password_reset",
        {
            "subject": "",
            "intro": "We keep your account safe.",
            "tr-de-intro": "Wir schützen Ihr Konto.",
            "tr-de-subject": "Neues Passwort für {program_name}",
            "action": "save",
        },
    )
    assert saved.status_code == 303
    edit = _page(await client.get("/manage/emails/password_reset"))
    assert edit.select_one("#f-intro").get_text() == "We keep your account safe."
    assert edit.select_one("#f-tr-de-intro").get_text() == "Wir schützen Ihr Konto."

    bad = await post_form(
        client,
        "/manage/emails/password_reset",
        {"subject": "", "intro": "", "tr-de-subject": "Zwei\nZeilen", "action": "save"},
    )
    assert bad.status_code == 422
    assert _page(bad).select_one("#f-tr-de-subject-error") is not None

    german = await make_advocate(session, email="paul@example.de")
    german.language = "de"
    english = await make_advocate(session, email="ann@example.com")
    await session.flush()
    for person in (german, english):
        await auth.request_password_reset(session, email=person.email)
    emails = {
        email.to_address: email
        for email in await session.scalars(
            select(OutboxEmail).where(OutboxEmail.kind == "password_reset")
        )
    }
    assert emails["paul@example.de"].subject == "Neues Passwort für Advocate Portal"
    assert "Wir schützen Ihr Konto." in emails["paul@example.de"].text_body
    assert "We keep your account safe." not in emails["paul@example.de"].text_body
    assert "We keep your account safe." in emails["ann@example.com"].text_body
    assert "Neues Passwort" not in emails["ann@example.com"].subject
