"""Secret links (password resets, invitations, unsubscribes) in Manage → Outbox: readable only by
the person they were sent to, with one exception while no SMTP is set (invitation links the viewer
could have sent), and gone from the stored bodies once the email went out."""

import re
from typing import Any

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from portal.auth import service as auth
from portal.config import Settings
from portal.outbox import service as outbox
from portal.outbox.jobs import send_email
from portal.outbox.models import EmailCategory, EmailStatus, OutboxEmail
from portal.people.models import Role, User
from tests.conftest import MailCatcher, free_port, joined_sessionmaker
from tests.factories import csrf_token, login_as, make_admin, make_advocate, make_marketer

TOKEN = re.compile(r"/(?:reset-password|invitations|unsubscribe)/([A-Za-z0-9_.\-]+)")
MASK = "••••••"


async def _newest_email_to(session: AsyncSession, address: str) -> OutboxEmail:
    email = await session.scalar(
        select(OutboxEmail)
        .where(OutboxEmail.to_address == address)
        .order_by(OutboxEmail.id.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )
    assert email is not None, f"no email to {address}"
    return email


def _token_in(email: OutboxEmail) -> str:
    match = TOKEN.search(email.text_body)
    assert match, "the email carries no secret link"
    return match.group(1)


async def _everything_a_viewer_reads(
    client: httpx.AsyncClient, email: OutboxEmail
) -> list[httpx.Response]:
    """The outbox as staff read it: every list tab, full page and htmx, and the email itself."""
    pages = []
    for query in ["", "?status=pending", "?status=sent", "?status=failed"]:
        for headers in [{}, {"HX-Request": "true"}]:
            pages.append(await client.get(f"/manage/outbox/{query}", headers=headers))
    pages.append(await client.get(f"/manage/outbox/{email.id}"))
    assert all(page.status_code == 200 for page in pages)
    return pages


def _hrefs(page: httpx.Response) -> list[str]:
    return [a["href"] for a in BeautifulSoup(page.text, "html.parser").select("a[href]")]


async def _invite(session: AsyncSession, inviter: User, roles: list[Role]) -> OutboxEmail:
    invitation = await auth.invite(
        session,
        inviter=inviter,
        email=f"{roles[0]}-invitee@example.com",
        display_name="Ivy Invitee",
        roles=roles,
    )
    return await _newest_email_to(session, invitation.user.email)


async def test_a_marketer_never_reads_an_admins_password_reset_link(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_admin(session, email="root@example.com")
    marketer = await make_marketer(session)
    await login_as(client, marketer)
    token = await csrf_token(client, "/forgot-password")
    asked = await client.post("/forgot-password", data={"csrf_token": token, "email": admin.email})
    assert asked.status_code == 200
    email = await _newest_email_to(session, admin.email)
    secret = _token_in(email)

    for page in await _everything_a_viewer_reads(client, email):
        assert secret not in page.text
        assert not any(secret in href for href in _hrefs(page))
    detail = BeautifulSoup((await client.get(f"/manage/outbox/{email.id}")).text, "html.parser")
    assert f"/reset-password/{MASK}" in detail.select_one(".email-text").get_text()
    assert detail.select(".email-links a") == []  # a masked link is text, not a link
    assert f"/reset-password/{MASK}" in detail.select_one(".email-links").get_text()
    assert "only the person it was sent to" in detail.select_one(".secret-note").get_text()


async def test_no_one_reads_a_password_reset_link_not_even_an_admin(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    await auth.request_password_reset(session, email=advocate.email)
    email = await _newest_email_to(session, advocate.email)
    secret = _token_in(email)
    await login_as(client, await make_admin(session))
    for page in await _everything_a_viewer_reads(client, email):
        assert secret not in page.text


async def test_an_admins_invitation_link_is_never_shown_to_a_marketer(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_admin(session)
    email = await _invite(session, admin, [Role.ADMIN])
    secret = _token_in(email)
    await login_as(client, await make_marketer(session))
    for page in await _everything_a_viewer_reads(client, email):
        assert secret not in page.text
    detail = BeautifulSoup((await client.get(f"/manage/outbox/{email.id}")).text, "html.parser")
    assert "Only an admin can copy" in detail.select_one(".secret-note").get_text()


async def test_without_smtp_staff_copy_the_invitation_links_they_could_have_sent(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_admin(session)
    for_admin = await _invite(session, admin, [Role.ADMIN])
    for_advocate = await _invite(session, admin, [Role.ADVOCATE])

    await login_as(client, admin)
    page = BeautifulSoup((await client.get(f"/manage/outbox/{for_admin.id}")).text, "html.parser")
    [link] = [a["href"] for a in page.select(".email-links a")]
    assert link.endswith(f"/invitations/{_token_in(for_admin)}")
    assert "Set SMTP_URL to send mail" in page.get_text()

    client.cookies.clear()
    await login_as(client, await make_marketer(session))
    page = BeautifulSoup(
        (await client.get(f"/manage/outbox/{for_advocate.id}")).text, "html.parser"
    )
    [link] = [a["href"] for a in page.select(".email-links a")]
    assert link.endswith(f"/invitations/{_token_in(for_advocate)}")
    assert (await client.get(link)).status_code == 200


async def test_with_smtp_set_no_invitation_link_is_shown_even_while_it_waits(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    admin = await make_admin(session)
    email = await _invite(session, admin, [Role.ADVOCATE])
    settings.smtp_url = f"smtp://127.0.0.1:{free_port()}"
    await login_as(client, admin)
    for page in await _everything_a_viewer_reads(client, email):
        assert _token_in(email) not in page.text


async def test_unsubscribe_links_are_masked_too(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    email = await outbox.queue_email(
        session,
        to=advocate.email,
        user_id=advocate.id,
        kind="signup_approved",
        context={"name": "Ada", "link": "http://portal.test/login"},
        category=EmailCategory.CHALLENGES,
    )
    assert email is not None
    await login_as(client, await make_admin(session))
    detail = BeautifulSoup((await client.get(f"/manage/outbox/{email.id}")).text, "html.parser")
    assert _token_in(email) not in detail.text
    assert [a["href"] for a in detail.select(".email-links a")] == ["http://portal.test/login"]


def _context(settings: Settings, connection: AsyncConnection) -> Any:
    return {"settings": settings, "sessionmaker": joined_sessionmaker(connection)}


async def test_a_sent_reset_email_keeps_no_token_and_the_person_still_gets_a_working_link(
    client: httpx.AsyncClient,
    session: AsyncSession,
    connection: AsyncConnection,
    settings: Settings,
    smtp_server: MailCatcher,
) -> None:
    advocate = await make_advocate(session)
    await auth.request_password_reset(session, email=advocate.email)
    email = await _newest_email_to(session, advocate.email)
    secret = _token_in(email)
    await session.commit()
    settings.smtp_url = smtp_server.url

    assert await send_email(_context(settings, connection), email.id) is True

    [envelope] = smtp_server.messages
    assert f"/reset-password/{secret}".encode() in envelope.original_content
    email = await _newest_email_to(session, advocate.email)
    assert email.status == EmailStatus.SENT
    assert secret not in email.text_body
    assert secret not in email.html_body
    assert f"/reset-password/{MASK}" in email.text_body
    assert f"/reset-password/{MASK}" in email.html_body
    assert (await client.get(f"/reset-password/{secret}")).status_code == 200


async def test_an_email_failed_for_good_keeps_no_token(
    session: AsyncSession, connection: AsyncConnection, settings: Settings
) -> None:
    advocate = await make_advocate(session)
    email = await outbox.queue_email(
        session,
        to=advocate.email,
        user_id=advocate.id,
        kind="signup_approved",
        context={"name": "Ada", "link": "http://portal.test/login"},
        category=EmailCategory.CHALLENGES,
    )
    assert email is not None
    secret = _token_in(email)
    assert secret in str(email.headers)
    email.to_address = "broken\r\n@example.com"  # can never be sent
    await session.commit()
    settings.smtp_url = f"smtp://127.0.0.1:{free_port()}"
    assert await send_email(_context(settings, connection), email.id) is False
    email = await _newest_email_to(session, "broken\r\n@example.com")
    assert email.status == EmailStatus.FAILED
    assert secret not in email.text_body + email.html_body + str(email.headers)
