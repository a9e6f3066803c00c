"""Sessions live in `user_sessions`: a copied cookie dies with sign-out, "sign out everywhere",
a password change or reset, a suspension, the idle limit and the absolute lifetime."""

from datetime import timedelta

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette

from portal import clock
from portal.auth import service as auth
from portal.people import sessions
from portal.people.models import Role, UserSession
from tests.factories import (
    SESSION_POLICY,
    csrf_token,
    is_live,
    login_as,
    make_admin,
    make_advocate,
    make_marketer,
    post_form,
    start_test_session,
)

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def _browser(app: Starlette, session: AsyncSession, user_agent: str) -> httpx.AsyncClient:
    """Another browser on the same app (the test's session is flushed before each request)."""

    async def flush_test_session(request: httpx.Request) -> None:
        await session.flush()

    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://portal.test",
        headers={"User-Agent": user_agent},
        event_hooks={"request": [flush_test_session]},
    )


async def _signed_in(browser: httpx.AsyncClient) -> bool:
    return (await browser.get("/profile")).status_code == 200


async def test_a_copied_cookie_stops_working_after_sign_out(
    app: Starlette, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await make_advocate(session)
    await login_as(client, user)
    copied = dict(client.cookies)
    token = await csrf_token(client, "/")
    assert (await client.post("/logout", data={"csrf_token": token})).status_code == 303
    async with _browser(app, session, FIREFOX) as thief:
        thief.cookies.update(copied)
        response = await thief.get("/profile")
    assert response.status_code == 303
    assert "/login" in response.headers["location"]


async def test_the_cookie_carries_a_token_the_table_keeps_only_hashed(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await make_advocate(session)
    await login_as(client, user)
    cookie = client.cookies["portal_session"]
    [row] = await session.scalars(select(UserSession).where(UserSession.user_id == user.id))
    assert row.id not in cookie
    assert row.revoked_at is None


async def test_the_profile_lists_each_device_and_signs_one_out(
    app: Starlette, session: AsyncSession, htmx: dict[str, str]
) -> None:
    user = await make_advocate(session)
    async with _browser(app, session, FIREFOX) as laptop, _browser(app, session, IPHONE) as phone:
        await login_as(laptop, user)
        await login_as(phone, user)
        page = BeautifulSoup((await laptop.get("/profile", headers=htmx)).text, "html.parser")
        rows = {row.strong.get_text(): row for row in page.select("#sessions .session-row")}
        assert set(rows) == {"Firefox on Linux", "Safari on iPhone"}
        assert "This device" in rows["Firefox on Linux"].get_text()
        assert "This device" not in rows["Safari on iPhone"].get_text()

        end_phone = rows["Safari on iPhone"].form["action"]
        response = await post_form(laptop, end_phone, {})
        assert response.status_code == 303
        assert "That device is signed out" in (await laptop.get("/profile")).text
        assert not await _signed_in(phone)
        assert await _signed_in(laptop)


async def test_someone_elses_session_cannot_be_ended_from_my_profile(
    app: Starlette, session: AsyncSession
) -> None:
    victim = await make_advocate(session)
    victim_token = await start_test_session(session, victim)
    [victim_row] = await session.scalars(
        select(UserSession.id).where(UserSession.user_id == victim.id)
    )
    async with _browser(app, session, FIREFOX) as mine:
        await login_as(mine, await make_advocate(session))
        await post_form(mine, f"/profile/sessions/{victim_row}/end", {})
        assert "That session had already ended" in (await mine.get("/profile")).text
    assert await is_live(session, victim_token)


async def test_sign_out_everywhere_ends_every_session_this_one_too(
    app: Starlette, session: AsyncSession
) -> None:
    user = await make_advocate(session)
    async with _browser(app, session, FIREFOX) as laptop, _browser(app, session, IPHONE) as phone:
        await login_as(laptop, user)
        await login_as(phone, user)
        response = await post_form(laptop, "/profile/sessions/end", {})
        assert response.headers["location"] == "http://portal.test/login"
        assert "signed out on every device" in (await laptop.get("/login")).text
        assert not await _signed_in(laptop)
        assert not await _signed_in(phone)


async def test_changing_the_password_signs_out_other_devices_and_keeps_this_one(
    app: Starlette, session: AsyncSession
) -> None:
    user = await make_advocate(session)
    async with _browser(app, session, FIREFOX) as laptop, _browser(app, session, IPHONE) as phone:
        await login_as(laptop, user)
        await login_as(phone, user)
        response = await post_form(
            laptop,
            "/profile/password",
            {
                "current_password": "correct horse battery",
                "new_password": "a brand new passphrase",
                "new_password_confirm": "a brand new passphrase",
            },
        )
        assert response.status_code == 303
        assert await _signed_in(laptop)
        assert not await _signed_in(phone)


async def test_suspension_ends_every_session(session: AsyncSession) -> None:
    marketer = await make_marketer(session)
    user = await make_advocate(session)
    token = await start_test_session(session, user)
    await auth.suspend_user(session, actor=marketer, user=user)
    assert not await is_live(session, token)
    await auth.reactivate_user(session, actor=marketer, user=user)
    assert not await is_live(session, token)  # reactivation does not bring old sessions back


async def test_an_advocate_is_signed_out_after_7_idle_days_or_30_days_in_all(
    session: AsyncSession,
) -> None:
    user = await make_advocate(session)
    idle = await start_test_session(session, user)
    with clock.shifted(timedelta(days=6, hours=23)):
        assert await is_live(session, idle)
    with clock.shifted(timedelta(days=6, hours=23) + timedelta(days=7, minutes=1)):
        assert not await is_live(session, idle)

    busy = await start_test_session(session, user)
    for day in range(5, 30, 5):  # seen every five days
        with clock.shifted(timedelta(days=day)):
            assert await is_live(session, busy)
    with clock.shifted(timedelta(days=30, seconds=1)):
        assert not await is_live(session, busy)


async def test_staff_sign_in_again_after_12_hours_or_30_idle_minutes(
    session: AsyncSession,
) -> None:
    marketer = await make_marketer(session)
    idle = await start_test_session(session, marketer)
    with clock.shifted(timedelta(minutes=31)):
        assert not await is_live(session, idle)

    busy = await start_test_session(session, marketer)
    for minutes in range(20, 12 * 60, 20):
        with clock.shifted(timedelta(minutes=minutes)):
            assert await is_live(session, busy)
    with clock.shifted(timedelta(hours=12, seconds=1)):
        assert not await is_live(session, busy)


async def test_an_advocate_made_staff_gets_the_staff_limits_at_once(
    session: AsyncSession,
) -> None:
    admin = await make_admin(session)
    user = await make_advocate(session)
    token = await start_test_session(session, user)
    await auth.set_roles(session, actor=admin, user=user, roles={Role.ADVOCATE, Role.MARKETER})
    with clock.shifted(timedelta(hours=1)):
        assert not await is_live(session, token)


async def test_last_seen_is_written_at_most_every_five_minutes(session: AsyncSession) -> None:
    user = await make_advocate(session)
    token = await start_test_session(session, user)
    [row] = await session.scalars(select(UserSession).where(UserSession.user_id == user.id))
    started = row.last_seen_at
    with clock.shifted(timedelta(minutes=4)):
        await sessions.live_session(session, token=token, policy=SESSION_POLICY)
    assert row.last_seen_at == started
    with clock.shifted(timedelta(minutes=6)):
        await sessions.live_session(session, token=token, policy=SESSION_POLICY)
    assert row.last_seen_at >= started + timedelta(minutes=6)
    assert user.last_seen_at == row.last_seen_at


async def test_the_nightly_job_deletes_sessions_ended_long_ago(session: AsyncSession) -> None:
    user = await make_advocate(session)
    live = await start_test_session(session, user)
    signed_out = await start_test_session(session, user)
    await sessions.end_session(session, token=signed_out)
    with clock.shifted(timedelta(days=29)):
        assert await auth.forget_ended_sessions(session) == 0
    with clock.shifted(timedelta(days=31)):
        assert await auth.forget_ended_sessions(session) == 1
    with clock.shifted(timedelta(days=61)):
        assert await auth.forget_ended_sessions(session) == 1  # expired at 30 days, 31 ago
    assert await session.scalar(select(func.count()).select_from(UserSession)) == 0
    assert not await is_live(session, live)


def test_the_device_is_a_short_summary_of_the_user_agent() -> None:
    assert sessions.describe_device(FIREFOX) == "Firefox on Linux"
    assert sessions.describe_device(IPHONE) == "Safari on iPhone"
    assert sessions.describe_device("python-httpx/0.28.1") == "python-httpx"
    assert sessions.describe_device("") == ""


async def test_a_page_that_only_reads_records_last_seen_through_a_job(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """A GET reads in a transaction that takes no write lock; the stale last-seen time is
    written by a job after the response instead."""
    user = await make_advocate(session)
    await login_as(client, user)
    [row] = await session.scalars(select(UserSession).where(UserSession.user_id == user.id))
    started = row.last_seen_at
    with clock.shifted(timedelta(minutes=6)):
        assert (await client.get("/")).status_code == 200
    await session.refresh(row)
    await session.refresh(user)
    assert row.last_seen_at >= started + timedelta(minutes=6)
    assert user.last_seen_at == row.last_seen_at
