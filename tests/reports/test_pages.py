"""The engagement and value pages as people use them: who may open them, what they read, the
CSV downloads, and the value settings form."""

import csv
import io

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy.ext.asyncio import AsyncSession

from portal.reports.value import load_settings
from portal.rewards import service as rewards
from portal.rewards.models import RewardKind
from tests.factories import (
    give_points,
    login_as,
    make_admin,
    make_advocate,
    make_marketer,
    make_reward,
    make_sales,
    post_form,
)
from tests.reports.conftest import Program
from tests.reports.test_routes import text_of

PAGES = [
    "/manage/reports/engagement",
    "/manage/reports/engagement/days.csv",
    "/manage/reports/engagement/quiet.csv",
    "/manage/reports/value",
    "/manage/reports/value/kinds.csv",
    "/manage/reports/value/settings",
    "/manage/reports/cohorts",
    "/manage/reports/cohorts.csv",
    "/manage/reports/rewards",
    "/manage/reports/rewards/pools.csv",
]


def csv_rows(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))


async def test_only_marketers_and_admins_open_the_pages(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    people = [
        (await make_marketer(session), 200),
        (await make_admin(session), 200),
        (await make_advocate(session), 404),
        (await make_sales(session), 404),
    ]
    for person, status in people:
        client.cookies.clear()
        await login_as(client, person)
        for path in PAGES:
            assert (await client.get(path)).status_code == status, (person.email, path)
    saved = await post_form(client, "/manage/reports/value/settings", {"custom": "1"})
    assert saved.status_code == 404  # the sales rep, last
    assert (await load_settings(session)).custom == 10


async def test_the_engagement_page_shows_the_days_the_tops_and_the_quiet(
    client: httpx.AsyncClient, session: AsyncSession, program: Program, htmx: dict[str, str]
) -> None:
    await login_as(client, program.marketer)
    response = await client.get("/manage/reports/engagement?span=7d", headers=htmx)
    assert response.status_code == 200
    assert ("<html" in response.text) is (not htmx)
    page = BeautifulSoup(response.text, "html.parser")
    days = page.select("#days-table tbody tr")
    assert len(days) == 7
    assert [c.get_text() for c in days[4].select("td")] == ["0", "3", "50", "200", "0", "0", "250"]
    assert text_of(response.text, "#people-chart-title") == "Advocates active and engaged each day"
    assert len(page.select("figure[aria-labelledby=points-chart-title] polyline")) == 5
    first = [c.get_text() for c in page.select("#advocates-table tbody tr")[0].select("th, td")]
    assert first == ["Ann Referrer", "1,580", "1", "5,000"]
    assert [c.get_text() for c in page.select("#challenges-table tbody tr")[0].select("td")] == [
        "1",
        "50",
        "100.0%",
    ]
    assert text_of(response.text, "#quiet-30 .stat-value") == "0"
    assert "Nobody has been quiet" in text_of(response.text, "#engagement")


async def test_engagement_csvs_round_trip_the_tables(
    client: httpx.AsyncClient, session: AsyncSession, program: Program
) -> None:
    await login_as(client, program.marketer)
    days = csv_rows(await client.get("/manage/reports/engagement/days.csv?span=7d"))
    assert days[0][:3] == ["day", "active", "engaged"]
    assert days[5][1:] == ["0", "3", "50", "200", "0", "0", "250"]  # two days ago
    assert len(days) == 8
    advocates = csv_rows(await client.get("/manage/reports/engagement/advocates.csv?span=7d"))
    assert advocates[1] == ["Ann Referrer", "1580", "1", "5000"]
    challenges = csv_rows(await client.get("/manage/reports/engagement/challenges.csv?span=7d"))
    assert challenges[1] == ["Tell a colleague about Acme", "1", "50", "100.0"]
    content = csv_rows(await client.get("/manage/reports/engagement/content.csv?span=7d"))
    assert content == [["content", "uses"], ["Product fact sheet", "1"]]
    quiet = csv_rows(await client.get("/manage/reports/engagement/quiet.csv"))
    assert quiet == [["advocate", "email", "last_active", "lifetime_points"]]
    assert (await client.get("/manage/reports/engagement/nothing.csv")).status_code == 404


async def test_the_value_page_and_its_csvs(
    client: httpx.AsyncClient, session: AsyncSession, program: Program
) -> None:
    await login_as(client, program.marketer)
    response = await client.get("/manage/reports/value?span=7d")
    assert text_of(response.text, "#value-total .stat-value") == "5,012.00"
    assert text_of(response.text, "#value-cost .stat-value") == "0.80"
    assert text_of(response.text, "#value-net .stat-value") == "5,011.20"
    assert text_of(response.text, "#value-return .stat-value").startswith("6,265.00")
    kinds = csv_rows(await client.get("/manage/reports/value/kinds.csv?span=7d"))
    assert kinds[0] == ["kind", "acts", "value_each", "value"]
    assert ["Referrals won (deal value)", "1", "", "5000"] in kinds
    assert kinds[-1] == ["Rewards redeemed (cost)", "80", "", "-0.8"]  # a number, not text
    people = csv_rows(await client.get("/manage/reports/value/advocates.csv?span=7d"))
    assert people[1:] == [
        ["Ann Referrer", "1", "5000"],
        ["Bob Builder", "1", "10"],
        ["Dan Early", "1", "2"],
    ]


@pytest.mark.parametrize("typed", ["-5", "ten", "99999999999"])
async def test_a_wrong_value_is_named_keeps_what_was_typed_and_saves_nothing(
    client: httpx.AsyncClient, session: AsyncSession, typed: str
) -> None:
    await login_as(client, await make_marketer(session))
    data = {"online_review": "300", "custom": typed}
    response = await post_form(client, "/manage/reports/value/settings", data)
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    assert page.select_one("#f-custom")["value"] == typed
    assert page.select_one("#f-online_review")["value"] == "300"
    assert (
        "Enter a whole number from 0"
        in page.select_one("#f-custom").find_parent(class_="field").get_text()
    )
    assert (await load_settings(session)).online_review == 150


async def test_saved_values_change_the_report(
    client: httpx.AsyncClient, session: AsyncSession, program: Program
) -> None:
    await login_as(client, program.marketer)
    form = BeautifulSoup((await client.get("/manage/reports/value/settings")).text, "html.parser")
    data = {
        i["name"]: i["value"] for i in form.select("form input") if i.get("name") != "csrf_token"
    }
    saved = await post_form(client, "/manage/reports/value/settings", data | {"custom": "1,000"})
    assert saved.status_code == 303
    response = await client.get("/manage/reports/value?span=7d")
    assert text_of(response.text, "#value-total .stat-value") == "6,002.00"


async def test_the_cohort_triangle_and_its_csv_agree(
    client: httpx.AsyncClient, session: AsyncSession, program: Program
) -> None:
    await login_as(client, program.marketer)
    response = await client.get("/manage/reports/cohorts?span=7d")
    page = BeautifulSoup(response.text, "html.parser")
    table = [
        [cell.get_text() for cell in row.select("th, td")]
        for row in page.select("#cohorts-table tbody tr")
    ]
    rows = csv_rows(await client.get("/manage/reports/cohorts.csv?span=7d"))
    assert rows[0][:3] == ["joined", "advocates", "month_0_percent"]
    assert len(rows) == len(table) + 1 == 13
    assert sum(int(row[1]) for row in rows[1:]) == 4  # Ann, Bob, Cat and Dan
    for shown, exported in zip(table, rows[1:], strict=True):
        assert shown[1] == exported[1]
        filled = [c for c in shown[2:] if c]
        assert len(filled) == len(exported) - 2 - exported[2:].count("")
    heads = [th.get_text() for th in page.select("#cohorts-table thead th")]
    assert heads[:3] == ["Joined", "Advocates", "Month 0"]


async def test_the_rewards_page_and_its_csvs(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    coupon = await make_reward(
        session,
        title="=Coupon",
        kind=RewardKind.CODE,
        cost=100,
        needs_approval=False,
        uses_code_pool=True,
    )
    await rewards.add_codes(session, staff=marketer, reward_id=coupon.id, codes=["A1", "B2"])
    advocate = await make_advocate(session)
    await give_points(session, advocate, 300)
    await rewards.request_redemption(
        session, user=advocate, reward_id=coupon.id, key="one", shipping=None
    )
    await login_as(client, marketer)
    response = await client.get("/manage/reports/rewards?span=7d")
    assert text_of(response.text, "#rewards-points .stat-value") == "100"
    assert text_of(response.text, "#rewards-median .stat-value") == "0.0 days"
    pool = BeautifulSoup(response.text, "html.parser").select("#pools-table tbody tr > *")
    assert [cell.get_text() for cell in pool] == ["=Coupon", "2", "1"]
    pools = csv_rows(await client.get("/manage/reports/rewards/pools.csv?span=7d"))
    assert pools == [["reward", "active", "codes", "remaining"], ["'=Coupon", "yes", "2", "1"]]
    status = csv_rows(await client.get("/manage/reports/rewards/status.csv?span=7d"))
    assert ["Fulfilled", "1", "100"] in status
    kind = csv_rows(await client.get("/manage/reports/rewards/kind.csv?span=7d"))
    assert ["Code", "1", "100"] in kind
    assert (await client.get("/manage/reports/rewards/nothing.csv")).status_code == 404
