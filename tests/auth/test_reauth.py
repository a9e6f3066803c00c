"""The "Confirm it's you" prompt: a role change, a suspension or saving the settings more than 15
minutes after the last confirmation asks for the password (and a code when two-factor sign-in
is on), then carries on with what was submitted; wrong answers count toward the throttle."""

from datetime import timedelta

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.audit.models import AuditEntry
from portal.auth.models import LoginFailure
from portal.people.models import Role, User, UserStatus
from portal.program import service as program
from tests.auth.test_twofactor import code_at, login_as_with_code, turn_on
from tests.factories import PASSWORD, login_as, make_admin, make_advocate, post_form

LATER = timedelta(minutes=16)  # past the 15 minutes, within the staff idle limit


def carried(response: httpx.Response) -> dict[str, list[str]]:
    """The prompt's hidden fields: what was submitted, carried along."""
    form = BeautifulSoup(response.text, "html.parser").select_one("main form")
    fields: dict[str, list[str]] = {}
    for hidden in form.select("input[type=hidden]"):
        fields.setdefault(hidden["name"], []).append(hidden["value"])
    return fields


async def answer(
    client: httpx.AsyncClient, prompt: httpx.Response, action: str, **answers: str
) -> httpx.Response:
    """Submits the prompt as a browser would: its hidden fields, plus the answers."""
    data: dict[str, str | list[str]] = {**carried(prompt), **answers}
    return await client.post(action, data=data)


async def test_a_role_change_after_a_while_asks_then_makes_the_change(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    admin = await make_admin(session)
    person = await make_advocate(session, name="Priya Raman")
    await login_as(client, admin)
    action = f"/manage/people/{person.id}/roles"
    with clock.shifted(LATER):
        prompt = await post_form(
            client, action, {"roles": ["advocate", "marketer"]}, page="/profile", headers=htmx
        )
        assert prompt.status_code == 200
        page = BeautifulSoup(prompt.text, "html.parser")
        assert page.select_one("h1").get_text() == "Confirm it's you"
        assert "change someone's roles" in page.get_text()
        assert page.select_one("#f-reauth_password") is not None
        assert page.select_one("#f-reauth_code") is None  # no two-factor: the password only
        assert carried(prompt)["roles"] == ["advocate", "marketer"]
        if htmx:
            assert prompt.headers["HX-Retarget"] == "body"
        await session.refresh(person, ["roles"])
        assert person.role_set == {Role.ADVOCATE}

        done = await answer(client, prompt, action, reauth_password=PASSWORD)
        assert done.status_code == 303
        await session.refresh(person, ["roles"])
        assert person.role_set == {Role.ADVOCATE, Role.MARKETER}
        changes = await session.scalar(
            select(func.count()).where(
                AuditEntry.action == "user.roles_changed", AuditEntry.target_id == person.id
            )
        )
        assert changes == 1

        # Confirmed: the next sensitive action within 15 minutes goes straight through.
        again = await post_form(client, action, {"roles": ["advocate"]}, page="/profile")
        assert again.status_code == 303
        await session.refresh(person, ["roles"])
        assert person.role_set == {Role.ADVOCATE}


async def test_a_wrong_password_changes_nothing_and_counts_toward_the_throttle(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_admin(session)
    person = await make_advocate(session)
    await login_as(client, admin)
    action = f"/manage/people/{person.id}/suspend"
    with clock.shifted(LATER):
        prompt = await post_form(client, action, {}, page="/profile")
        wrong = await answer(client, prompt, action, reauth_password="not my password")
        assert wrong.status_code == 200
        page = BeautifulSoup(wrong.text, "html.parser")
        assert "isn't right" in page.select_one(".form-error").get_text()
        assert page.select_one("#f-reauth_password").get("value") is None
        await session.refresh(person)
        assert person.status == UserStatus.ACTIVE
        assert await session.scalar(select(func.count()).select_from(LoginFailure)) == 1

        done = await answer(client, wrong, action, reauth_password=PASSWORD)
        assert done.status_code == 303
        await session.refresh(person)
        assert person.status == UserStatus.SUSPENDED
        assert await session.scalar(select(func.count()).select_from(LoginFailure)) == 0


async def test_with_two_factor_on_the_prompt_asks_for_a_code_too(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_admin(session)
    key, _ = await turn_on(session, admin)
    await login_as_with_code(client, admin, key)
    action = "/manage/settings/"
    settings = {
        "program_name": "Globex Insiders",
        "tagline": "",
        "signup_mode": "closed",
        "points_per_money_unit": "100",
        "admins_require_two_factor": "on",
    }
    with clock.shifted(LATER):
        prompt = await post_form(client, action, settings, page="/profile")
        assert BeautifulSoup(prompt.text, "html.parser").select_one("#f-reauth_code") is not None
        password_only = await answer(client, prompt, action, reauth_password=PASSWORD)
        assert password_only.status_code == 200
        assert (await program.load(session)).program_name == "Advocate Portal"

        done = await answer(
            client,
            password_only,
            action,
            reauth_password=PASSWORD,
            reauth_code=code_at(key, timedelta(seconds=30)),
        )
        assert done.status_code == 303
    config = await program.load(session)
    assert config.program_name == "Globex Insiders"
    assert config.admins_require_two_factor


@pytest.mark.parametrize("action", ["suspend", "roles"])
async def test_a_fresh_sign_in_is_confirmation_enough(
    client: httpx.AsyncClient, session: AsyncSession, action: str
) -> None:
    admin = await make_admin(session)
    person: User = await make_advocate(session)
    await login_as(client, admin)
    response = await post_form(
        client, f"/manage/people/{person.id}/{action}", {"roles": ["advocate"]}
    )
    assert response.status_code == 303


async def test_the_prompt_is_protected_by_csrf_like_any_form(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_admin(session)
    person = await make_advocate(session)
    await login_as(client, admin)
    action = f"/manage/people/{person.id}/suspend"
    with clock.shifted(LATER):
        prompt = await post_form(client, action, {}, page="/profile")
        fields = carried(prompt)
        fields.pop("csrf_token")
        forged = await client.post(action, data={**fields, "reauth_password": PASSWORD})
        assert forged.status_code == 403
    await session.refresh(person)
    assert person.status == UserStatus.ACTIVE
