import re

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.outbox import preferences
from portal.outbox import service as outbox
from portal.outbox.models import EmailCategory, OutboxEmail
from tests.factories import login_as, make_advocate, post_form

BASE = "http://portal.test"


async def _queue(session: AsyncSession, user, category=EmailCategory.REWARDS):
    return await outbox.queue_email(
        session,
        to=user.email,
        user_id=user.id,
        subject="Your hoodie shipped",
        kind="redemption_status",
        context={
            "name": "Ada",
            "program_name": "Acme",
            "title": "Your hoodie shipped",
            "reward": "Hoodie",
            "status": "fulfilled",
            "code": None,
            "tracking_note": "",
            "reject_reason": "",
            "refunded": False,
            "cost": 10,
            "link": f"{BASE}/rewards",
        },
        category=category,
    )


async def test_a_category_email_carries_one_click_unsubscribe(session: AsyncSession) -> None:
    advocate = await make_advocate(session)
    email = await _queue(session, advocate)
    link = email.headers["List-Unsubscribe"].strip("<>")
    assert link.startswith(f"{BASE}/unsubscribe/")
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in email.text_body
    assert f'href="{link}"' in email.html_body


async def test_an_opted_out_category_is_not_sent_and_transactional_mail_still_is(
    session: AsyncSession,
) -> None:
    advocate = await make_advocate(session)
    await preferences.save_preferences(session, user=advocate, wanted={EmailCategory.REFERRALS})
    assert await _queue(session, advocate) is None
    transactional = await _queue(session, advocate, category=None)
    assert transactional is not None
    assert "List-Unsubscribe" not in transactional.headers


async def test_one_click_unsubscribe_needs_no_session_and_is_idempotent(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    email = await _queue(session, advocate)
    path = re.sub(r"^http://portal\.test", "", email.headers["List-Unsubscribe"].strip("<>"))
    page = await client.get(path)  # looking changes nothing (mail scanners follow links)
    assert "Stop reward updates emails" in BeautifulSoup(page.text, "html.parser").get_text()
    assert not await preferences.is_opted_out(
        session, user_id=advocate.id, category=EmailCategory.REWARDS
    )
    for _ in range(2):
        response = await client.post(path, data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200
    assert await preferences.is_opted_out(
        session, user_id=advocate.id, category=EmailCategory.REWARDS
    )
    assert await _queue(session, advocate) is None


async def test_a_forged_unsubscribe_link_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/unsubscribe/not-a-signed-token")
    assert response.status_code == 400
    assert "not valid" in response.text


async def test_email_settings_page_switches_categories(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    await login_as(client, advocate)
    page = BeautifulSoup((await client.get("/email-settings/")).text, "html.parser")
    staff_only = len(preferences.STAFF_ONLY)  # the program summary is not offered to advocates
    assert len(page.select("input[type=checkbox]:checked")) == len(EmailCategory) - staff_only
    await post_form(client, "/email-settings/", {"digests": "on", "rewards": "on"})
    chosen = await preferences.preferences_of(session, advocate)
    assert {c for c, on in chosen.items() if on} == {EmailCategory.DIGESTS, EmailCategory.REWARDS}
    assert await session.scalar(select(OutboxEmail.id)) is None


async def test_the_unsubscribe_page_speaks_the_language_the_email_was_written_in(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    advocate.language = "de"
    await session.flush()
    email = await _queue(session, advocate)
    path = re.sub(r"^http://portal\.test", "", email.headers["List-Unsubscribe"].strip("<>"))
    page = BeautifulSoup((await client.get(path)).text, "html.parser")
    assert page.html["lang"] == "de"
    assert page.h1.get_text() == "Abbestellen?"
    assert f"Keine E-Mails der Art „Neues zu Prämien“ mehr an {advocate.email}." in page.get_text()
    done = BeautifulSoup((await client.post(path)).text, "html.parser")
    assert done.h1.get_text() == "Sie haben abbestellt"


async def test_email_settings_read_in_the_persons_language(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    advocate.language = "de"
    await session.flush()
    await login_as(client, advocate)
    page = BeautifulSoup((await client.get("/email-settings/")).text, "html.parser")
    assert page.h1.get_text() == "E-Mail-Einstellungen"
    assert "Neues zu Prämien" in page.get_text()
    saved = await post_form(client, "/email-settings/", {"rewards": "on"})
    assert saved.status_code == 303
    followed = BeautifulSoup((await client.get("/email-settings/")).text, "html.parser")
    assert "Ihre E-Mail-Einstellungen sind gespeichert." in followed.get_text()
