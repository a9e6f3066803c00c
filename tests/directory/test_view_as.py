"""View as advocate: staff see the portal as one person sees it, read-only, with a banner and
a way back; start and end are in the audit log; never as someone with more rights."""

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.models import AuditEntry
from portal.referrals.models import Referral
from tests.factories import (
    give_points,
    login_as,
    make_admin,
    make_advocate,
    make_marketer,
    make_sales,
    post_form,
)

PAGE = "/manage/people/"


async def test_marketer_views_as_an_advocate_read_only_and_comes_back(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session, name="Maya Marketer")
    priya = await make_advocate(session, name="Priya Raman")
    await give_points(session, priya, 320)
    await login_as(client, marketer)

    person_page = BeautifulSoup((await client.get(f"{PAGE}{priya.id}")).text, "html.parser")
    assert "View the portal as Priya Raman" in person_page.select_one("#view-as").get_text()
    started = await post_form(client, f"{PAGE}{priya.id}/view-as", {}, page=PAGE)
    assert started.status_code == 303

    home = BeautifulSoup((await client.get("/")).text, "html.parser")
    banner = home.select_one("#view-as-banner").get_text(" ", strip=True)
    assert "viewing the portal as Priya Raman , read-only" in banner
    assert "back to Maya Marketer" in banner
    assert "320" in home.select_one("#points-badge, .points-figure, main").get_text()
    assert (await client.get(PAGE)).status_code == 403  # staff pages: as Priya sees them

    refused = await post_form(
        client,
        "/referrals/new",
        {"name": "Grace Hopper", "email": "grace@navy.example", "company": "Navy"},
        page="/referrals/new",
    )
    assert refused.status_code == 403
    assert "viewing the portal as Priya Raman, read-only" in refused.text
    assert await session.scalar(select(func.count()).select_from(Referral)) == 0

    stopped = await post_form(client, f"{PAGE}view-as/stop", {}, page="/")
    assert stopped.headers["location"].endswith(f"{PAGE}{priya.id}")
    back = BeautifulSoup((await client.get(stopped.headers["location"])).text, "html.parser")
    assert back.select_one("#view-as-banner") is None
    assert "stopped viewing as Priya Raman" in back.select_one("#flashes").get_text()
    actions = list(
        await session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.target_id == priya.id, AuditEntry.actor_id == marketer.id)
            .order_by(AuditEntry.id)
        )
    )
    assert actions == ["people.view_as_started", "people.view_as_ended"]


async def test_never_view_as_someone_with_more_rights(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    admin = await make_admin(session)
    rep = await make_sales(session)
    await login_as(client, marketer)
    for person in (admin, rep, marketer):
        page = BeautifulSoup((await client.get(f"{PAGE}{person.id}")).text, "html.parser")
        assert page.select_one("#view-as") is None
        refused = await post_form(client, f"{PAGE}{person.id}/view-as", {}, page=PAGE)
        assert refused.status_code == 403
        assert "whose rights you have yourself" in refused.text
    home = BeautifulSoup((await client.get("/")).text, "html.parser")
    assert home.select_one("#view-as-banner") is None
    assert (
        await session.scalar(
            select(func.count()).where(AuditEntry.action == "people.view_as_started")
        )
        == 0
    )


async def test_advocates_cannot_view_as_anyone(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session)
    bob = await make_advocate(session)
    await login_as(client, ada)
    refused = await post_form(client, f"{PAGE}{bob.id}/view-as", {}, page="/")
    assert refused.status_code == 403
    assert (await post_form(client, f"{PAGE}view-as/stop", {}, page="/")).status_code == 403


async def test_an_admin_may_view_as_a_sales_rep(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    rep = await make_sales(session, name="Sam Sales")
    await login_as(client, await make_admin(session))
    started = await post_form(client, f"{PAGE}{rep.id}/view-as", {}, page=PAGE)
    assert started.status_code == 303
    pipeline = BeautifulSoup((await client.get("/pipeline/")).text, "html.parser")
    assert "Sam Sales" in pipeline.select_one("#view-as-banner").get_text()
