import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.models import AuditEntry
from portal.auth import service as auth
from portal.people.models import Role, UserStatus
from tests.factories import (
    login_as,
    make_admin,
    make_advocate,
    make_marketer,
    make_sales,
    post_form,
)


async def test_people_list_searches_and_filters(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    await make_advocate(session, name="Priya Raman", company="Northwind")
    await make_advocate(session, name="Jonas Berg", company="FjordTech")
    await make_sales(session, name="Sam Sales")
    await login_as(client, await make_marketer(session))

    response = await client.get("/manage/people/?q=north", headers=htmx)
    page = BeautifulSoup(response.text, "html.parser")
    names = [a.strong.get_text() for a in page.select("#people-table a.person")]
    assert names == ["Priya Raman"]
    assert (page.find("html") is None) == bool(htmx)

    sales = BeautifulSoup((await client.get("/manage/people/?role=sales")).text, "html.parser")
    assert [a.strong.get_text() for a in sales.select("#people-table a.person")] == ["Sam Sales"]


async def test_people_list_counts_each_status(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await make_advocate(session, status=UserStatus.SUSPENDED)
    await login_as(client, await make_admin(session))
    page = BeautifulSoup((await client.get("/manage/people/")).text, "html.parser")
    tabs = {a.get_text(" ", strip=True) for a in page.select("nav.tabs a")}
    assert "Suspended 1" in tabs
    assert "Active 1" in tabs


async def test_suspend_and_reactivate_write_the_audit_log(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_admin(session)
    person = await make_advocate(session)
    await login_as(client, admin)
    response = await post_form(client, f"/manage/people/{person.id}/suspend", {})
    assert response.status_code == 303
    detail = await client.get(response.headers["location"])
    assert "is suspended and signed out" in detail.text
    await session.refresh(person)
    assert person.status == UserStatus.SUSPENDED
    await post_form(client, f"/manage/people/{person.id}/reactivate", {})
    await session.refresh(person)
    assert person.status == UserStatus.ACTIVE
    actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-2:] == ["user.suspended", "user.reactivated"]


async def test_nobody_can_suspend_themselves(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_admin(session)
    await login_as(client, admin)
    response = await post_form(client, f"/manage/people/{admin.id}/suspend", {})
    follow = await client.get(response.headers["location"])
    flashes = BeautifulSoup(follow.text, "html.parser").select_one("#flashes").get_text()
    assert "can't remove your own admin role or suspend yourself" in flashes
    await session.refresh(admin)
    assert admin.status == UserStatus.ACTIVE


async def test_admin_changes_roles_with_before_and_after(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_admin(session)
    person = await make_advocate(session)
    await login_as(client, admin)
    await post_form(client, f"/manage/people/{person.id}/roles", {"roles": ["advocate", "sales"]})
    person = await auth.access_user(session, person.id)
    await session.refresh(person, ["roles"])
    assert person.role_set == {Role.ADVOCATE, Role.SALES}
    entry = await session.scalar(
        select(AuditEntry).where(AuditEntry.action == "user.roles_changed")
    )
    assert entry.before == {"roles": ["advocate"]}
    assert entry.after == {"roles": ["advocate", "sales"]}


async def test_marketer_sees_roles_but_cannot_change_them(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    person = await make_advocate(session)
    await login_as(client, await make_marketer(session))
    detail = await client.get(f"/manage/people/{person.id}")
    assert "Only an admin can change roles." in detail.text
    refused = await post_form(client, f"/manage/people/{person.id}/roles", {"roles": ["admin"]})
    assert refused.status_code == 403


async def test_unknown_person_is_404(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await login_as(client, await make_admin(session))
    assert (await client.get("/manage/people/999999")).status_code == 404
