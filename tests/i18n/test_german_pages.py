"""A German reader sees German on the pages of this branch: the sign-in side (invitation,
sign-up, password reset), the profile and two-factor pages, the sign-in providers, event types
and API reference, the status chips, and the errors the services raise."""

import re

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth import service as auth
from portal.outbox.models import OutboxEmail
from portal.people.models import Role, User
from portal.program import service as program
from portal.program.service import SignupMode
from tests.factories import login_as, make_admin, make_advocate, make_marketer, post_form

GERMAN = {"Accept-Language": "de-DE,de;q=0.9"}
TOKEN = re.compile(r"http://portal\.test/(?:invitations|reset-password)/(\S+)")


def text_of(response: httpx.Response) -> str:
    assert response.status_code in (200, 422), response.status_code
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.html["lang"] == "de"
    return " ".join(soup.get_text(" ").split())


async def german(session: AsyncSession, user: User) -> User:
    user.language = "de"
    await session.flush()
    return user


async def _token_sent_to(session: AsyncSession, address: str) -> str:
    email = await session.scalar(
        select(OutboxEmail).where(OutboxEmail.to_address == address).order_by(OutboxEmail.id.desc())
    )
    assert email is not None
    found = TOKEN.search(email.text_body)
    assert found is not None
    return found.group(1)


async def test_the_invitation_sign_up_and_reset_pages_speak_german(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session, name="Maya Patel")
    await auth.invite(
        session,
        inviter=marketer,
        email="tom@example.com",
        display_name="Tom",
        roles=[Role.ADVOCATE],
    )
    accept = text_of(
        await client.get(
            f"/invitations/{await _token_sent_to(session, 'tom@example.com')}", headers=GERMAN
        )
    )
    assert "Maya Patel hat Sie eingeladen." in accept
    assert "Mein Konto anlegen" in accept
    await program.update(session, actor=None, signup_mode=SignupMode.OPEN)
    signup = text_of(await client.get("/signup", headers=GERMAN))
    assert "Geschäftliche E-Mail-Adresse" in signup
    assert "Schon dabei?" in signup
    member = await make_advocate(session, email="greta@example.com")
    await auth.request_password_reset(session, email=member.email)
    reset = text_of(
        await client.get(
            f"/reset-password/{await _token_sent_to(session, member.email)}", headers=GERMAN
        )
    )
    assert "Neues Passwort wählen" in reset
    assert "Sie werden überall sonst abgemeldet." in reset


async def test_the_profile_and_two_factor_pages_speak_german_and_so_do_service_errors(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await german(session, await make_advocate(session))
    await login_as(client, user)
    profile = text_of(await client.get("/profile"))
    for words in (
        "Ihr Passwort ändern",
        "Zwei-Faktor-Anmeldung einschalten",
        "Wo Sie angemeldet sind",
        "Überall abmelden",
        "Dieses Gerät",
    ):
        assert words in profile
    assert "Change your password" not in profile
    settings = text_of(await client.get("/email-settings/"))
    assert "Wählen Sie, worüber wir Ihnen schreiben." in settings
    assert "Senden Sie mir" in settings
    setup = text_of(await client.get("/profile/two-factor"))
    assert "Scannen Sie diesen QR-Code mit der App:" in setup
    # A wrong current password is refused by the service, in the reader's language.
    refused = await post_form(
        client,
        "/profile/password",
        {
            "current_password": "not-my-password",
            "new_password": "a-new-long-one",
            "new_password_confirm": "a-new-long-one",
        },
    )
    assert refused.status_code == 422
    error = BeautifulSoup(refused.text, "html.parser").select_one("#f-current_password-error")
    assert error is not None
    assert error.get_text().strip() == "Ihr aktuelles Passwort stimmt nicht."


async def test_the_staff_pages_of_providers_event_types_and_the_api_speak_german(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await german(session, await make_admin(session))
    await login_as(client, admin)
    providers = text_of(await client.get("/manage/sign-in-providers/"))
    assert "Anmeldedienste" in providers
    assert "Anbieter hinzufügen" in providers
    assert "Ein anderer OpenID-Connect-Anbieter" in providers
    new = text_of(await client.get("/manage/sign-in-providers/new?preset=google"))
    assert "Google hinzufügen" in new
    assert "Zugelassene Domains" in new
    assert "Jede Person mit Google-Konto kann sich anmelden" in new
    event_types = text_of(await client.get("/manage/event-types/"))
    assert "Neue Ereignisart" in event_types
    assert "Ereignisart anlegen" in event_types
    docs = text_of(await client.get("/api/v1/docs"))
    assert "API-Referenz" in docs
    assert "Schemas" in docs
    assert "Geltungsbereich" in docs


async def test_status_chips_read_the_same_translated_words_everywhere(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await german(session, await make_admin(session))
    await make_advocate(session, name="Ina Invited", email="ina@example.com")
    await auth.invite(
        session, inviter=admin, email="olga@example.com", display_name="Olga", roles=[Role.ADVOCATE]
    )
    await login_as(client, admin)
    page = BeautifulSoup((await client.get("/manage/people/")).text, "html.parser")
    chips = {chip.get_text() for chip in page.select(".status")}
    assert {"aktiv", "eingeladen"} <= chips
    assert not chips & {"active", "invited"}
