import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.models import AuditEntry
from portal.program import service as program
from portal.program.service import SignupMode
from tests.factories import login_as, make_admin, post_form


async def test_admin_renames_the_program_and_opens_sign_up(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_admin(session))
    response = await post_form(
        client,
        "/manage/settings/",
        {
            "program_name": "Globex Insiders",
            "tagline": "Be an insider.",
            "signup_mode": "approval",
            "leaderboard_excludes_staff": "on",
            "points_per_money_unit": "250",
            "currency": "GBP",
        },
    )
    assert response.status_code == 303
    page = BeautifulSoup((await client.get("/")).text, "html.parser")
    assert page.select_one(".brand-name").get_text() == "Globex Insiders"
    config = await program.load(session)
    assert config.signup_mode == SignupMode.APPROVAL
    assert config.points_per_money_unit == 250
    assert config.currency == "GBP"
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "settings.update"))
    assert entry.after == {
        "program_name": "Globex Insiders",
        "tagline": "Be an insider.",
        "signup_mode": "approval",
        "points_per_money_unit": "250",
        "currency": "GBP",
    }


async def test_settings_errors_keep_the_input_and_change_nothing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_admin(session))
    response = await post_form(
        client,
        "/manage/settings/",
        {
            "program_name": "",
            "tagline": "Kept",
            "signup_mode": "sideways",
            "points_per_money_unit": "1.5",
            "currency": "XXX",
        },
    )
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    assert page.select_one("#f-tagline")["value"] == "Kept"
    assert "Give the program a name." in page.select_one("#f-program_name-error").get_text()
    assert "Choose how people join." in page.get_text()
    assert page.select_one("#f-points_per_money_unit")["value"] == "1.5"
    assert "from 1 to 1,000,000" in page.select_one("#f-points_per_money_unit-error").get_text()
    assert "Choose the currency" in page.select_one("#f-currency-error").get_text()
    assert (await program.load(session)).program_name == "Advocate Portal"


async def test_long_lists_page_through_with_working_links(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    from portal.audit import service as audit

    admin = await make_admin(session)
    for n in range(55):
        await audit.record(
            session,
            actor=admin,
            action="test.entry",
            target_type="test",
            target_id=n,
            summary=f"Entry {n}",
        )
    await login_as(client, admin)
    first = BeautifulSoup((await client.get("/manage/audit/")).text, "html.parser")
    older = first.select_one(".pager a[rel=next]")["href"]
    second = await client.get(older)
    assert second.status_code == 200
    assert (
        "Page 2 of 2" in BeautifulSoup(second.text, "html.parser").select_one(".pager").get_text()
    )
