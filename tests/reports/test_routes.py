"""Manage → Reports as people use it: who may open it, the figures they read, the filter form,
and the CSV downloads."""

import csv
import io

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy.ext.asyncio import AsyncSession

from portal.people.models import Role
from portal.program import service as program_service
from tests.factories import login_as, make_admin, make_advocate, make_sales, make_user
from tests.reports.conftest import Program


def text_of(html: str, selector: str) -> str:
    found = BeautifulSoup(html, "html.parser").select_one(selector)
    assert found is not None, selector
    return " ".join(found.get_text().split())


async def test_marketers_and_admins_see_reports_and_nobody_else_knows_they_exist(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_user(session, roles=(Role.MARKETER,))
    admin = await make_admin(session)
    advocate = await make_advocate(session)
    sales = await make_sales(session)
    anonymous = await client.get("/manage/reports/")
    assert anonymous.status_code == 303
    assert "/login" in anonymous.headers["location"]
    for person, status in ((marketer, 200), (admin, 200), (advocate, 404), (sales, 404)):
        client.cookies.clear()
        await login_as(client, person)
        assert (await client.get("/manage/reports/")).status_code == status, person.email
        csv_status = (await client.get("/manage/reports/overview/figures.csv")).status_code
        assert csv_status == status
        menu = text_of((await client.get("/")).text, "body")
        assert ("Reports" in menu) is (status == 200)


async def test_the_overview_shows_each_figure_with_its_change(
    client: httpx.AsyncClient, session: AsyncSession, program: Program, htmx: dict[str, str]
) -> None:
    await program_service.update(session, actor=None, points_per_money_unit=200)
    await login_as(client, program.marketer)
    response = await client.get("/manage/reports/?span=7d", headers=htmx)
    assert response.status_code == 200
    assert ("<html" in response.text) is (not htmx)
    assert text_of(response.text, "#figure-engaged .stat-value") == "3"
    assert text_of(response.text, "#figure-engaged .change") == "▲ 200.0%"
    assert text_of(response.text, "#figure-activation .change") == "▼ 50.0%"
    assert text_of(response.text, "#figure-won .change") == "new"
    assert text_of(response.text, "#figure-liability .stat-value") == "1,910"
    assert text_of(response.text, "#figure-liability_value .stat-value") == "9.55"
    cells = BeautifulSoup(response.text, "html.parser").select("#sources-table tbody tr")
    assert [c.get_text() for c in cells[1].select("th, td")] == ["Referrals", "1,550", "0"]
    assert text_of(response.text, "#sources-chart-title") == "Points issued by source"

    builders = await client.get(f"/manage/reports/?span=7d&group={program.group.id}")
    assert text_of(builders.text, "#report-period").count("Builders") == 1
    assert text_of(builders.text, "#figure-advocates .stat-value") == "2"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (
            "span=custom&from=2026-13-01&to=2026-01-31",
            "from",
            "Enter the start date as YYYY-MM-DD.",
        ),
        ("span=custom&from=2026-02-01&to=2026-01-31", "to", "must not be before the start date"),
        ("span=custom&from=2026-01-01&to=2999-01-31", "to", "can't be in the future"),
        ("span=fortnight", "span", "Choose one of the periods."),
        ("group=%3Dcmd", "group", "Choose a group from the list."),
    ],
)
async def test_a_wrong_filter_is_named_keeps_what_was_typed_and_shows_30_days(
    client: httpx.AsyncClient, session: AsyncSession, query: str, field: str, message: str
) -> None:
    await login_as(client, await make_admin(session))
    response = await client.get(f"/manage/reports/?{query}")
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    assert message in page.select_one(f"#{field}").find_parent(class_="field").get_text()
    if field in ("from", "to"):
        assert page.select_one("#from")["value"] == query.split("from=")[1].split("&")[0]
    assert "Last 30 days" not in text_of(response.text, "#report-period")  # a range is named


async def test_an_unknown_group_is_not_found(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_admin(session))
    assert (await client.get("/manage/reports/?group=999999")).status_code == 404


async def test_csv_downloads_round_trip_the_tables_for_the_same_period(
    client: httpx.AsyncClient, session: AsyncSession, program: Program
) -> None:
    await login_as(client, program.marketer)
    response = await client.get("/manage/reports/overview/figures.csv?span=7d")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    by_label = {row["figure"]: row for row in rows}
    assert len(rows) == 15
    assert by_label["Engaged (earned points)"]["this_period"] == "3"
    assert by_label["Engaged (earned points)"]["previous_period"] == "1"
    # A fall stays a number a spreadsheet can sum: the formula guard only quotes text.
    assert by_label["Activation (earned within 30 days)"]["change_percent"] == "-50.0"
    assert by_label["Referrals won"]["change_percent"] == ""
    sources = await client.get("/manage/reports/overview/sources.csv?span=7d")
    source_rows = list(csv.reader(io.StringIO(sources.text.lstrip("\ufeff"))))
    assert source_rows[0] == ["source", "points_this_period", "points_previous_period"]
    assert ["Referrals", "1550", "0"] in source_rows
    assert (await client.get("/manage/reports/overview/nothing.csv")).status_code == 404
