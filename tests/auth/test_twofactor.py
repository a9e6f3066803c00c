"""Two-factor sign-in: turning it on from the profile, the code step after the password (a code
from the app, or a recovery code once), no replay, wrong codes throttled with wrong passwords,
turning it off, new recovery codes, and admins held at the setup when the program requires it."""

import re
from datetime import timedelta

import httpx
import pyotp
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.audit.models import AuditEntry
from portal.auth import service as auth
from portal.auth.models import LoginFailure, RecoveryCode, TwoFactor
from portal.auth.service.two_factor import use_code
from portal.outbox.models import OutboxEmail
from portal.people.models import User
from portal.program import service as program
from tests.factories import (
    PASSWORD,
    csrf_token,
    login_as,
    make_admin,
    make_advocate,
    make_marketer,
    post_form,
)

SECRET = "test-secret-key-that-is-long-enough-for-signing"  # the app's, as the tests set it
STEP = timedelta(seconds=30)


def code_at(key: str, shift: timedelta = timedelta(0)) -> str:
    return pyotp.TOTP(key).at(clock.utcnow() + shift)


async def turn_on(session: AsyncSession, user: User) -> tuple[str, list[str]]:
    """Two-factor sign-in on for the user through the service; the key and recovery codes."""
    setup = await auth.start_setup(session, user=user, secret=SECRET)
    codes = await auth.enable_two_factor(
        session, user=user, token=setup.token, code=code_at(setup.key), secret=SECRET
    )
    return setup.key, codes


async def password_step(
    client: httpx.AsyncClient, user: User, next_url: str = "/profile"
) -> httpx.Response:
    token = await csrf_token(client, "/login")
    return await client.post(
        "/login",
        data={"csrf_token": token, "email": user.email, "password": PASSWORD, "next": next_url},
    )


async def code_step(client: httpx.AsyncClient, code: str) -> httpx.Response:
    return await post_form(client, "/login/code", {"code": code}, page="/login")


def text_of(response: httpx.Response) -> str:
    return BeautifulSoup(response.text, "html.parser").get_text()


async def audit_actions(session: AsyncSession, user: User) -> list[str]:
    rows = await session.scalars(
        select(AuditEntry.action).where(AuditEntry.target_id == user.id).order_by(AuditEntry.id)
    )
    return [action for action in rows if action.startswith(("user.two", "user.recovery"))]


async def test_a_person_turns_it_on_from_the_profile_and_the_key_is_never_shown_again(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await make_marketer(session)
    await login_as(client, user)
    profile = BeautifulSoup((await client.get("/profile")).text, "html.parser")
    assert "Turn on two-factor sign-in" in profile.select_one("#two-factor").get_text()

    setup = BeautifulSoup((await client.get("/profile/two-factor")).text, "html.parser")
    key = setup.select_one("#two-factor-key").get_text().replace(" ", "")
    assert setup.select_one("svg.qr-code") is not None
    wrong = await post_form(
        client,
        "/profile/two-factor",
        {"code": "000000", "setup": setup.select_one("input[name=setup]")["value"]},
        page="/profile",
    )
    assert wrong.status_code == 422
    again = BeautifulSoup(wrong.text, "html.parser")
    assert "isn't right" in again.select_one(".field-error").get_text()
    assert again.select_one("#two-factor-key").get_text().replace(" ", "") == key
    assert await session.get(TwoFactor, user.id) is None

    response = await post_form(
        client,
        "/profile/two-factor",
        {"code": code_at(key), "setup": again.select_one("input[name=setup]")["value"]},
        page="/profile",
    )
    assert response.status_code == 200
    codes = [
        li.get_text()
        for li in BeautifulSoup(response.text, "html.parser").select("#recovery-codes li")
    ]
    assert len(codes) == 10
    assert all(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", code) for code in codes)

    row = await session.get(TwoFactor, user.id)
    assert row is not None
    assert key not in row.secret_encrypted
    hashes = await session.scalars(
        select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)
    )
    assert not {code.replace("-", "") for code in codes} & set(hashes)
    manage = (await client.get("/profile/two-factor")).text
    assert key not in manage
    assert "Two-factor sign-in is on" in manage
    assert await audit_actions(session, user) == ["user.two_factor_on"]


async def test_signing_in_asks_for_the_code_after_the_password_and_grants_nothing_before(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await make_marketer(session)
    key, _ = await turn_on(session, user)

    first = await password_step(client, user)
    assert first.status_code == 303
    assert first.headers["location"].endswith("/login/code")
    assert (await client.get("/profile")).status_code == 303  # half signed in is not signed in
    page = BeautifulSoup((await client.get("/login/code")).text, "html.parser")
    assert page.select_one("#f-code") is not None

    done = await code_step(client, code_at(key, STEP))
    assert done.status_code == 303
    assert done.headers["location"] == "/profile"
    assert (await client.get("/profile")).status_code == 200
    await session.refresh(user)
    assert user.last_login_at is not None


async def test_the_code_step_expires_and_cannot_be_reached_without_the_password(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await make_marketer(session)
    key, _ = await turn_on(session, user)
    lost = await client.get("/login/code")
    assert lost.status_code == 303
    assert lost.headers["location"].endswith("/login")

    await password_step(client, user)
    with clock.shifted(timedelta(minutes=6)):
        late = await code_step(client, code_at(key))
    assert late.status_code == 303
    assert late.headers["location"].endswith("/login")
    assert (await client.get("/profile")).status_code == 303


async def test_a_code_is_accepted_once(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_marketer(session)
    key, _ = await turn_on(session, user)
    code = code_at(key, STEP)
    await password_step(client, user)
    assert (await code_step(client, code)).status_code == 303

    token = await csrf_token(client, "/profile")
    await client.post("/logout", data={"csrf_token": token})
    await password_step(client, user)
    replayed = await code_step(client, code)
    assert replayed.status_code == 200
    assert "isn't right" in text_of(replayed)
    assert (await client.get("/profile")).status_code == 303
    # An earlier code than the last one accepted is refused too.
    assert (await code_step(client, code_at(key))).status_code == 200


async def test_a_recovery_code_signs_in_once_and_is_audited(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await make_marketer(session)
    _, codes = await turn_on(session, user)
    await password_step(client, user)
    assert (await code_step(client, codes[3].upper().replace("-", " "))).status_code == 303
    assert await audit_actions(session, user) == ["user.two_factor_on", "user.recovery_code_used"]

    token = await csrf_token(client, "/profile")
    await client.post("/logout", data={"csrf_token": token})
    await password_step(client, user)
    again = await code_step(client, codes[3])
    assert again.status_code == 200
    assert "isn't right" in text_of(again)
    left = await auth.two_factor_status(session, user=user)
    assert left is not None
    assert left.recovery_codes_left == 9


async def test_wrong_codes_count_toward_the_sign_in_throttle(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await make_marketer(session)
    key, _ = await turn_on(session, user)
    await password_step(client, user)
    for attempt in range(5):
        wrong = await code_step(client, f"12345{attempt}")
        assert wrong.status_code == 200
    failures = await session.scalar(select(func.count()).select_from(LoginFailure))
    assert failures == 5
    throttled = await code_step(client, code_at(key, STEP))
    assert throttled.status_code == 429
    assert "Too many failed sign-ins" in text_of(throttled)
    # The right password does not wipe the slate while a code is still owed.
    assert (await password_step(client, user)).status_code == 429


async def test_turning_it_off_takes_a_code_and_is_audited(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await make_advocate(session)
    key, _ = await turn_on(session, user)
    await login_as_with_code(client, user, key)
    wrong = await post_form(client, "/profile/two-factor/off", {"off_code": "000000"})
    assert wrong.status_code == 200
    assert (
        "isn't right"
        in BeautifulSoup(wrong.text, "html.parser").select_one("#f-off_code-error").get_text()
    )
    empty = await post_form(client, "/profile/two-factor/off", {"off_code": ""})
    assert empty.status_code == 422
    with clock.shifted(2 * STEP):
        off = await post_form(client, "/profile/two-factor/off", {"off_code": code_at(key)})
    assert off.status_code == 303
    assert await session.get(TwoFactor, user.id) is None
    assert await audit_actions(session, user) == ["user.two_factor_on", "user.two_factor_off"]


async def login_as_with_code(client: httpx.AsyncClient, user: User, key: str) -> None:
    await password_step(client, user)
    assert (await code_step(client, code_at(key, STEP))).status_code == 303


async def test_new_recovery_codes_replace_the_old_ones(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await make_marketer(session)
    key, old = await turn_on(session, user)
    await login_as_with_code(client, user, key)
    with clock.shifted(2 * STEP):
        response = await post_form(
            client, "/profile/two-factor/recovery-codes", {"renew_code": code_at(key)}
        )
    assert response.status_code == 200
    new = [
        li.get_text()
        for li in BeautifulSoup(response.text, "html.parser").select("#recovery-codes li")
    ]
    assert len(new) == 10
    assert not set(new) & set(old)
    assert not await use_code(session, user=user, code=old[0], secret=SECRET)
    assert await use_code(session, user=user, code=new[0], secret=SECRET)


async def test_a_password_reset_leads_to_the_code_step_not_past_it(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await make_marketer(session)
    await turn_on(session, user)
    await auth.request_password_reset(session, email=user.email)
    token = await _reset_token(session, user)
    page = await csrf_token(client, f"/reset-password/{token}")
    response = await client.post(
        f"/reset-password/{token}",
        data={
            "csrf_token": page,
            "password": "a brand new password",
            "password_confirm": "a brand new password",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith("/login/code")
    assert (await client.get("/profile")).status_code == 303


async def _reset_token(session: AsyncSession, user: User) -> str:
    body = await session.scalar(
        select(OutboxEmail.text_body)
        .where(OutboxEmail.to_address == user.email)
        .order_by(OutboxEmail.id.desc())
    )
    assert body is not None
    match = re.search(r"/reset-password/([A-Za-z0-9_-]+)", body)
    assert match
    return match.group(1)


@pytest.mark.parametrize("path", ["/manage/settings/", "/manage/people/", "/"])
async def test_an_admin_is_held_at_the_setup_when_the_program_requires_it(
    client: httpx.AsyncClient, session: AsyncSession, path: str
) -> None:
    await program.update(session, actor=None, admins_require_two_factor=True)
    admin = await make_admin(session)
    signed_in = await password_step(client, admin, next_url=path)
    assert signed_in.status_code == 303
    assert signed_in.headers["location"].endswith("/profile/two-factor")

    held = await client.get(path)
    assert held.status_code == 303
    assert held.headers["location"].endswith("/profile/two-factor")
    htmx = await client.get(path, headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"].endswith("/profile/two-factor")
    setup = BeautifulSoup((await client.get("/profile/two-factor")).text, "html.parser")
    assert "Admins of" in setup.select_one(".notice").get_text()

    key = setup.select_one("#two-factor-key").get_text().replace(" ", "")
    on = await post_form(
        client,
        "/profile/two-factor",
        {"code": code_at(key), "setup": setup.select_one("input[name=setup]")["value"]},
        page="/profile/two-factor",
    )
    assert on.status_code == 200
    assert (await client.get(path)).status_code == 200


async def test_a_held_admin_can_sign_out_and_others_are_not_held(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await program.update(session, actor=None, admins_require_two_factor=True)
    admin = await make_admin(session)
    await password_step(client, admin)
    token = await csrf_token(client, "/profile/two-factor")
    out = await client.post("/logout", data={"csrf_token": token})
    assert out.headers["location"].endswith("/login")

    await login_as(client, await make_marketer(session))
    assert (await client.get("/manage/people/")).status_code == 200


async def test_the_requirement_is_off_by_default_and_an_admin_signs_in_as_before(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    assert not (await program.load(session)).admins_require_two_factor
    await login_as(client, await make_admin(session))
    assert (await client.get("/manage/settings/")).status_code == 200
