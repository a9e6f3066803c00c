import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth import service as auth
from portal.outbox.models import OutboxEmail
from portal.people.models import User, UserStatus
from portal.program import service as program
from portal.program.service import SignupMode
from tests.factories import PASSWORD, csrf_token, login_as, make_admin, make_advocate, post_form

BASE = "http://portal.test"
APPLICANT = {
    "display_name": "Pat Newcomer",
    "email": "pat@newco.example",
    "company": "NewCo",
    "job_title": "CTO",
    "password": "a long enough password",
}


async def _sign_up(session: AsyncSession, **overrides: str):
    values = {**APPLICANT, **overrides}
    return await auth.sign_up(session, **values)


async def test_sign_up_is_closed_by_default(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    with pytest.raises(auth.SignupClosed):
        await _sign_up(session)
    assert (await client.get("/signup")).status_code == 404
    login = BeautifulSoup((await client.get("/login")).text, "html.parser")
    assert login.find("a", string="Join the program") is None


async def test_open_sign_up_makes_an_active_advocate(session: AsyncSession) -> None:
    await program.update(session, actor=None, signup_mode=SignupMode.OPEN)
    user = await _sign_up(session)
    assert user.status == UserStatus.ACTIVE
    assert user.company == "NewCo"


async def test_sign_up_with_approval_waits_and_tells_the_approvers(session: AsyncSession) -> None:
    admin = await make_admin(session)
    await program.update(session, actor=admin, signup_mode=SignupMode.APPROVAL)
    user = await _sign_up(session)
    assert user.status == UserStatus.PENDING
    notice = await session.scalar(select(OutboxEmail).where(OutboxEmail.kind == "signup_pending"))
    assert notice is not None
    assert notice.to_address == admin.email
    assert "Pat Newcomer" in notice.text_body

    await auth.approve_signup(session, actor=admin, user=user)
    assert user.status == UserStatus.ACTIVE
    welcome = await session.scalar(select(OutboxEmail).where(OutboxEmail.kind == "signup_approved"))
    assert welcome is not None
    assert welcome.to_address == "pat@newco.example"


async def test_sign_up_page_keeps_the_input_on_errors(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    await program.update(session, actor=None, signup_mode=SignupMode.OPEN)
    token = await csrf_token(client, "/signup")
    weak = await client.post(
        "/signup", data={**APPLICANT, "password": "short", "csrf_token": token}
    )
    assert weak.status_code == 422
    page = BeautifulSoup(weak.text, "html.parser")
    assert "at least 10 characters" in page.select_one("#f-password-error").get_text()
    assert page.select_one("#f-company")["value"] == "NewCo"


async def _reset_emails(session: AsyncSession, address: str) -> list[OutboxEmail]:
    return list(
        await session.scalars(
            select(OutboxEmail).where(
                OutboxEmail.to_address == address, OutboxEmail.kind == "password_reset"
            )
        )
    )


async def test_signing_up_with_a_known_address_answers_like_a_new_sign_up_and_emails_it(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    await program.update(session, actor=None, signup_mode=SignupMode.APPROVAL)
    existing = await make_advocate(session, email="ada@example.com")
    token = await csrf_token(client, "/signup")
    known = await client.post(
        "/signup", data={**APPLICANT, "email": existing.email, "csrf_token": token}
    )
    new = await client.post("/signup", data={**APPLICANT, "csrf_token": token})
    assert known.status_code == new.status_code == 200

    def notice(response: httpx.Response) -> str:
        text = BeautifulSoup(response.text, "html.parser").select_one("#signup-waiting")
        return text.get_text(" ", strip=True).replace(existing.email, APPLICANT["email"])

    assert notice(known) == notice(new)
    users = await session.scalar(select(func.count()).where(User.email == existing.email))
    assert users == 1
    [email] = await _reset_emails(session, existing.email)
    assert "you already have an account" in email.text_body
    assert "http://portal.test/login" in email.text_body
    assert "http://portal.test/reset-password/" in email.text_body


async def test_open_sign_up_with_a_known_address_says_to_check_the_email(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    await program.update(session, actor=None, signup_mode=SignupMode.OPEN)
    existing = await make_advocate(session)
    token = await csrf_token(client, "/signup")
    response = await client.post(
        "/signup", data={**APPLICANT, "email": existing.email, "csrf_token": token}
    )
    assert response.status_code == 200
    assert "Check your email" in response.text
    assert len(await _reset_emails(session, existing.email)) == 1
    assert (await client.get("/profile")).status_code == 303  # not signed in


async def test_open_sign_up_answers_new_and_known_addresses_alike_and_the_email_explains(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    """Open sign-up without approval: the page for a new address reads exactly as for one that
    has an account; the new person learns from the welcome email that the account is ready and
    signs in with what they chose."""
    await program.update(session, actor=None, signup_mode=SignupMode.OPEN)
    existing = await make_advocate(session)

    async def notice(email: str) -> str:
        async with httpx.AsyncClient(transport=client._transport, base_url=client.base_url) as c:
            token = await csrf_token(c, "/signup")
            response = await c.post(
                "/signup", data={**APPLICANT, "email": email, "csrf_token": token}
            )
            assert response.status_code == 200
            assert (await c.get("/profile")).status_code == 303  # nobody is signed in
        page = BeautifulSoup(response.text, "html.parser").select_one("#signup-sent")
        return page.get_text(" ", strip=True).replace(email, "ADDRESS")

    assert await notice(APPLICANT["email"]) == await notice(existing.email)
    [welcome] = await session.scalars(
        select(OutboxEmail).where(
            OutboxEmail.to_address == APPLICANT["email"], OutboxEmail.kind == "signup_approved"
        )
    )
    assert "account is ready" in welcome.text_body
    assert "http://portal.test/login" in welcome.text_body
    assert len(await _reset_emails(session, existing.email)) == 1
    newcomer = await session.scalar(select(User).where(User.email == APPLICANT["email"]))
    assert newcomer is not None
    await login_as(client, newcomer, password=APPLICANT["password"])
    assert (await client.get("/profile")).status_code == 200


async def test_pending_sign_up_page_says_it_waits_and_the_person_cannot_sign_in_yet(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    await program.update(session, actor=None, signup_mode=SignupMode.APPROVAL)
    token = await csrf_token(client, "/signup")
    response = await client.post("/signup", data={**APPLICANT, "csrf_token": token})
    assert response.status_code == 200
    assert "with the program team" in response.text
    attempt = await client.post(
        "/login",
        data={"csrf_token": token, "email": APPLICANT["email"], "password": APPLICANT["password"]},
    )
    assert "waiting for approval" in attempt.text


async def test_marketer_approves_a_sign_up_from_the_people_page(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    await program.update(session, actor=None, signup_mode=SignupMode.APPROVAL)
    applicant = await _sign_up(session)
    admin = await make_admin(session)
    await login_as(client, admin)
    listing = await client.get("/manage/people/?status=pending")
    assert "Pat Newcomer" in listing.text
    response = await post_form(client, f"/manage/people/{applicant.id}/approve", {})
    assert response.status_code == 303
    await session.refresh(applicant)
    assert applicant.status == UserStatus.ACTIVE
    assert PASSWORD  # the applicant keeps the password they chose
