from datetime import timedelta

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.auth import service as auth
from portal.auth.models import LoginFailure
from portal.people.models import UserStatus
from tests.factories import PASSWORD, csrf_token, login_as, make_admin, make_advocate, make_user

SECRET = "secret"
WINDOW = timedelta(minutes=15)


async def _authenticate(session: AsyncSession, email: str, password: str, client: str = "10.0.0.1"):
    return await auth.authenticate(
        session,
        email=email,
        password=password,
        client_address=client,
        secret=SECRET,
        max_failures=5,
        window=WINDOW,
    )


async def test_right_password_signs_in_and_email_case_does_not_matter(
    session: AsyncSession,
) -> None:
    user = await make_advocate(session, email="Ada@Example.com")
    signed_in = await _authenticate(session, "  ADA@example.COM ", PASSWORD)
    assert signed_in.id == user.id
    assert signed_in.last_login_at is not None


async def test_wrong_password_and_unknown_email_get_the_same_answer(session: AsyncSession) -> None:
    await make_advocate(session, email="ada@example.com")
    with pytest.raises(auth.InvalidCredentials) as wrong_password:
        await _authenticate(session, "ada@example.com", "not the password")
    with pytest.raises(auth.InvalidCredentials) as unknown_email:
        await _authenticate(session, "nobody@example.com", "not the password")
    assert wrong_password.value.message == unknown_email.value.message


async def test_five_failures_lock_the_account_for_the_window_even_with_the_right_password(
    session: AsyncSession,
) -> None:
    await make_advocate(session, email="ada@example.com")
    for attempt in range(5):
        with pytest.raises(auth.InvalidCredentials):
            await _authenticate(
                session, "ada@example.com", f"guess {attempt}", client=f"10.0.0.{attempt}"
            )
    with pytest.raises(auth.LoginThrottled) as throttled:
        await _authenticate(session, "ada@example.com", PASSWORD, client="10.9.9.9")
    assert "wait 15 minutes" in throttled.value.message
    with clock.shifted(WINDOW + timedelta(seconds=1)):
        assert (
            await _authenticate(session, "ada@example.com", PASSWORD)
        ).email == "ada@example.com"


async def test_an_unknown_account_is_throttled_like_a_real_one(session: AsyncSession) -> None:
    for attempt in range(5):
        with pytest.raises(auth.InvalidCredentials):
            await _authenticate(
                session, "ghost@example.com", f"guess {attempt}", client=f"10.1.0.{attempt}"
            )
    with pytest.raises(auth.LoginThrottled):
        await _authenticate(session, "ghost@example.com", "guess", client="10.1.1.1")


async def test_one_client_address_is_throttled_across_accounts(session: AsyncSession) -> None:
    for attempt in range(20):
        with pytest.raises(auth.InvalidCredentials):
            await _authenticate(session, f"user{attempt}@example.com", "guess", client="10.2.0.1")
    with pytest.raises(auth.LoginThrottled):
        await _authenticate(session, "someone.new@example.com", "guess", client="10.2.0.1")


async def test_failures_store_no_raw_email_or_address(session: AsyncSession) -> None:
    with pytest.raises(auth.InvalidCredentials):
        await _authenticate(session, "ada@example.com", "guess", client="192.0.2.7")
    failure = await session.scalar(select(LoginFailure))
    assert failure is not None
    assert "ada" not in failure.account_key
    assert "192.0.2.7" not in failure.client_key


async def test_suspended_and_pending_accounts_are_told_why(session: AsyncSession) -> None:
    await make_user(session, email="sus@example.com", status=UserStatus.SUSPENDED)
    await make_user(session, email="pending@example.com", status=UserStatus.PENDING)
    with pytest.raises(auth.AccountNotActive, match="suspended"):
        await _authenticate(session, "sus@example.com", PASSWORD)
    with pytest.raises(auth.AccountNotActive, match="waiting for approval"):
        await _authenticate(session, "pending@example.com", PASSWORD)


async def test_login_page_signs_in_and_lands_on_next(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await make_advocate(session, name="Grace Hopper")
    token = await csrf_token(client, "/login?next=/profile")
    response = await client.post(
        "/login",
        data={"csrf_token": token, "email": user.email, "password": PASSWORD, "next": "/profile"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/profile"
    home = await client.get("/")
    assert home.status_code == 200
    page = BeautifulSoup(home.text, "html.parser")
    assert page.select_one(".usermenu .avatar").get_text(strip=True) == "GH"
    assert "Grace Hopper" in page.select_one(".usermenu").get_text()


async def test_next_parameter_cannot_send_people_to_another_site(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await make_advocate(session)
    token = await csrf_token(client)
    response = await client.post(
        "/login",
        data={
            "csrf_token": token,
            "email": user.email,
            "password": PASSWORD,
            "next": "//evil.example/x",
        },
    )
    assert response.headers["location"] == "/"


async def test_failed_login_shows_the_message_keeps_the_email_and_records_the_failure(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await make_advocate(session)
    token = await csrf_token(client)
    response = await client.post(
        "/login", data={"csrf_token": token, "email": user.email, "password": "wrong password"}
    )
    page = BeautifulSoup(response.text, "html.parser")
    assert "don't match" in page.select_one(".form-error").get_text()
    assert page.select_one("#f-email")["value"] == user.email
    assert page.select_one("#f-password").get("value") is None
    assert await session.scalar(select(func.count()).select_from(LoginFailure)) == 1


async def test_throttled_login_says_to_wait(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await make_advocate(session)
    token = await csrf_token(client)
    for _ in range(5):
        await client.post(
            "/login", data={"csrf_token": token, "email": user.email, "password": "nope nope"}
        )
    response = await client.post(
        "/login", data={"csrf_token": token, "email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "Please wait 15 minutes" in response.text
    assert (await client.get("/")).status_code == 303


async def test_logout_ends_the_session(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_advocate(session)
    await login_as(client, user)
    token = await csrf_token(client, "/")
    response = await client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303
    after = await client.get("/")
    assert after.status_code == 303
    assert after.headers["location"].startswith("http://portal.test/login?next=")


async def test_suspending_a_user_signs_them_out(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_admin(session)
    user = await make_advocate(session)
    await login_as(client, user)
    await auth.suspend_user(session, actor=admin, user=user)
    assert (await client.get("/")).status_code == 303
