"""Only admins act on admins, and the portal always keeps one active admin."""

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.models import AuditEntry
from portal.auth import service as auth
from portal.people.models import Role, UserStatus
from tests.factories import login_as, make_admin, make_advocate, make_marketer, make_user, post_form


def _flash(response: httpx.Response) -> str:
    return BeautifulSoup(response.text, "html.parser").select_one("#flashes").get_text(" ")


@pytest.mark.parametrize("action", ["suspend", "reactivate", "reinvite"])
async def test_a_marketer_cannot_act_on_an_admin(
    client: httpx.AsyncClient, session: AsyncSession, action: str
) -> None:
    status = {
        "suspend": UserStatus.ACTIVE,
        "reactivate": UserStatus.SUSPENDED,
        "reinvite": UserStatus.INVITED,
    }[action]
    admin = await make_user(session, roles=(Role.ADMIN,), status=status)
    await make_admin(session)  # the portal keeps an active admin either way
    await login_as(client, await make_marketer(session))
    response = await post_form(client, f"/manage/people/{admin.id}/{action}", {})
    assert response.status_code == 303
    assert "Only an admin" in _flash(await client.get(response.headers["location"]))
    await session.refresh(admin)
    assert admin.status == status
    actions = set(await session.scalars(select(AuditEntry.action)))
    assert not actions & {"user.suspended", "user.reactivated", "user.invited"}


async def test_the_person_page_offers_a_marketer_no_buttons_for_an_admin(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_admin(session)
    await login_as(client, await make_marketer(session))
    page = BeautifulSoup((await client.get(f"/manage/people/{admin.id}")).text, "html.parser")
    assert page.select("form[action$='/suspend']") == []
    assert "Only an admin can change an admin's account." in page.get_text()


async def test_a_marketer_still_suspends_an_advocate(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    person = await make_advocate(session)
    await login_as(client, await make_marketer(session))
    await post_form(client, f"/manage/people/{person.id}/suspend", {})
    await session.refresh(person)
    assert person.status == UserStatus.SUSPENDED


async def test_a_marketer_cannot_strip_an_invited_admin_by_inviting_the_address_again(
    session: AsyncSession,
) -> None:
    marketer = await make_marketer(session)
    invited = await make_user(session, roles=(Role.ADMIN,), status=UserStatus.INVITED)
    with pytest.raises(auth.AdminsOnly):
        await auth.invite(
            session,
            inviter=marketer,
            email=invited.email,
            display_name="Renamed",
            roles={Role.ADVOCATE},
        )
    assert Role.ADMIN in invited.role_set


async def test_roles_are_changed_by_admins_only(session: AsyncSession) -> None:
    marketer = await make_marketer(session)
    person = await make_advocate(session)
    with pytest.raises(auth.AdminsOnly):
        await auth.set_roles(session, actor=marketer, user=person, roles={Role.ADMIN})


async def test_the_last_active_admin_cannot_be_suspended_or_lose_the_role(
    session: AsyncSession,
) -> None:
    acting = await make_admin(session, status=UserStatus.SUSPENDED)  # e.g. a stale session
    last = await make_admin(session)
    with pytest.raises(auth.LastAdmin):
        await auth.suspend_user(session, actor=acting, user=last)
    with pytest.raises(auth.LastAdmin):
        await auth.set_roles(session, actor=acting, user=last, roles={Role.MARKETER})
    assert last.status == UserStatus.ACTIVE
    assert Role.ADMIN in last.role_set

    await make_admin(session)  # with a second active admin, both are allowed
    await auth.set_roles(session, actor=acting, user=last, roles={Role.MARKETER})
    await auth.suspend_user(session, actor=acting, user=last)
    assert last.status == UserStatus.SUSPENDED


async def test_an_admin_suspends_another_admin_with_a_clear_page(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    other = await make_admin(session, name="Other Admin")
    await login_as(client, await make_admin(session))
    response = await post_form(client, f"/manage/people/{other.id}/suspend", {})
    assert "Other Admin is suspended and signed out." in _flash(
        await client.get(response.headers["location"])
    )
