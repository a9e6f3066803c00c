"""Manage → People: sorting, filters, saved views and the CSV export, as a marketer sees them."""

import csv
import io

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth import service as auth
from portal.directory import keyset, query
from portal.directory.filters import PeopleFilter, Sort
from portal.directory.models import SavedView
from portal.groups import service as groups
from portal.people.models import Group, GroupMember, Role, UserStatus
from portal.points import service as points
from portal.referrals.models import Stage
from tests.factories import (
    give_points,
    login_as,
    make_advocate,
    make_marketer,
    make_referral,
    make_sales,
    post_form,
)

PAGE = "/manage/people/"


def names(html: str) -> list[str]:
    page = BeautifulSoup(html, "html.parser")
    return [a.strong.get_text() for a in page.select("#people-table a.person")]


async def test_people_table_sorts_by_points_both_ways_and_shows_level(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    priya = await make_advocate(session, name="Priya Raman")
    jonas = await make_advocate(session, name="Jonas Berg")
    await make_advocate(session, name="Ana Silva")
    await give_points(session, priya, 700)
    await give_points(session, jonas, 90)
    await login_as(client, await make_marketer(session, name="Maya Marketer"))

    response = await client.get("/manage/people/?sort=points&dir=desc&role=advocate", headers=htmx)
    assert names(response.text) == ["Priya Raman", "Jonas Berg", "Ana Silva"]
    page = BeautifulSoup(response.text, "html.parser")
    first = page.select("#people-table tbody tr")[0].get_text(" ", strip=True)
    assert "700" in first
    assert "Advocate" in first
    assert (page.find("html") is None) == bool(htmx)

    ascending = await client.get("/manage/people/?sort=points&dir=asc&role=advocate")
    assert names(ascending.text) == ["Ana Silva", "Jonas Berg", "Priya Raman"]


async def test_last_activity_comes_from_points_earned_when_never_signed_in(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    earner = await make_advocate(session, name="Ellen Earner")
    await make_advocate(session, name="Quiet Person")
    await give_points(session, earner, 10)
    await login_as(client, await make_marketer(session))

    page = BeautifulSoup((await client.get("/manage/people/?role=advocate")).text, "html.parser")
    rows = {
        row.strong.get_text(): row.get_text(" ", strip=True)
        for row in page.select("#people-table tbody tr")
    }
    assert "never" not in rows["Ellen Earner"].lower()
    assert "never" in rows["Quiet Person"].lower()
    recent = await client.get("/manage/people/?role=advocate&sort=activity&dir=desc")
    assert names(recent.text)[0] == "Ellen Earner"


async def test_filters_combine_and_keep_what_was_typed(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    north = await make_advocate(session, name="Priya Raman", company="Northwind")
    await make_advocate(session, name="Nils North", company="Northwind")
    await make_advocate(session, name="Jonas Berg", company="FjordTech")
    group = await groups.create_group(session, staff=marketer, name="EMEA", description="")
    await groups.add_members(session, staff=marketer, group=group, users=[north])
    await give_points(session, north, 300)
    await login_as(client, marketer)

    by_company = await client.get("/manage/people/?company=northwind")
    assert sorted(names(by_company.text)) == ["Nils North", "Priya Raman"]
    in_group = await client.get(f"/manage/people/?company=northwind&group={group.id}")
    assert names(in_group.text) == ["Priya Raman"]
    by_points = await client.get("/manage/people/?points_min=100&points_max=500")
    assert names(by_points.text) == ["Priya Raman"]

    bad = await client.get("/manage/people/?points_min=lots&joined_from=2026-13-01&q=ber")
    assert bad.status_code == 422
    page = BeautifulSoup(bad.text, "html.parser")
    assert page.select_one("#f-points_min")["value"] == "lots"
    assert "whole number" in page.select_one("#f-points_min-error").get_text()
    assert "YYYY-MM-DD" in page.select_one("#f-joined_from-error").get_text()
    assert names(bad.text) == ["Jonas Berg"]  # the filters that parsed still apply
    superscript = await client.get("/manage/people/?points_min=²&group=²&level=²&field_²=x")
    assert superscript.status_code == 422
    assert "whole number" in superscript.text


async def test_status_and_role_filters_and_counts(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await make_advocate(session, name="Sus Pended", status=UserStatus.SUSPENDED)
    await make_sales(session, name="Sam Sales")
    await login_as(client, await make_marketer(session))
    page = BeautifulSoup((await client.get("/manage/people/")).text, "html.parser")
    tabs = {a.get_text(" ", strip=True) for a in page.select("nav.tabs a")}
    assert "Suspended 1" in tabs
    assert names((await client.get("/manage/people/?status=suspended")).text) == ["Sus Pended"]
    assert names((await client.get("/manage/people/?role=sales")).text) == ["Sam Sales"]


async def test_csv_export_is_the_current_view(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    priya = await make_advocate(session, name="Priya Raman", company="Northwind")
    await make_advocate(session, name="=HYPERLINK(1)", company="Northwind")
    await make_advocate(session, name="Jonas Berg", company="FjordTech")
    await give_points(session, priya, 40)
    await login_as(client, await make_marketer(session))

    response = await client.get("/manage/people/export.csv?company=north&sort=points&dir=desc")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Name", "Email", "Company"]
    assert [row[0] for row in rows[1:]] == ["Priya Raman", "'=HYPERLINK(1)"]
    assert rows[1][6] == "40"


async def test_saved_views_are_personal_unless_shared(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    maya = await make_marketer(session, name="Maya")
    await make_marketer(session, name="Max", email="max@example.com")
    await make_advocate(session, name="Priya Raman", company="Northwind")
    await login_as(client, maya)

    missing = await post_form(
        client,
        "/manage/people/views",
        {"name": "", "query": "company=north"},
        page="/manage/people/",
    )
    assert missing.status_code == 422
    assert "Name the view" in missing.text
    saved = await post_form(
        client,
        "/manage/people/views",
        {"name": "Northwind folks", "query": "company=north&sort=points&dir=desc"},
        page="/manage/people/",
    )
    assert saved.status_code == 303
    page = BeautifulSoup((await client.get(saved.headers["location"])).text, "html.parser")
    link = page.select_one(".saved-views a")
    assert link.get_text() == "Northwind folks"
    assert names((await client.get(link["href"])).text) == ["Priya Raman"]
    view = await session.scalar(select(SavedView))
    assert view is not None
    assert not view.is_shared

    other = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    max_user = await auth.find_user_by_email(session, "max@example.com")
    assert max_user is not None
    await login_as(other, max_user)
    assert "Northwind folks" not in (await other.get("/manage/people/")).text
    denied = await post_form(
        other, f"/manage/people/views/{view.id}/delete", {}, page="/manage/people/"
    )
    assert denied.status_code == 404

    await post_form(
        client,
        "/manage/people/views",
        {"name": "Northwind folks", "query": "company=north", "shared": "on"},
        page="/manage/people/",
    )
    assert "Northwind folks" in (await other.get("/manage/people/")).text


async def test_advocates_and_sales_cannot_open_the_table(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_sales(session))
    assert (await client.get("/manage/people/")).status_code == 403
    assert (await client.get("/manage/people/export.csv")).status_code == 403


async def _walk(session: AsyncSession, chosen: PeopleFilter, pages: int) -> list[list[int]]:
    """The table two a page: by number (OFFSET), then Next from page 1 and Previous from the
    last page (keyset); all three must agree."""
    by_number = [
        [
            row.user.id
            for row in (await query.list_people(session, chosen, page=n, per_page=2)).items
        ]
        for n in range(1, pages + 1)
    ]
    forwards, cursor = [], None
    for _ in range(pages):
        listed = await query.list_people(session, chosen, per_page=2, cursor=cursor)
        forwards.append([row.user.id for row in listed.items])
        cursor = keyset.decode(chosen.sort, listed.after, backwards=False)
    backwards = [by_number[-1]]
    before = await query.list_people(session, chosen, page=pages, per_page=2)
    for _ in range(pages - 1):
        cursor = keyset.decode(chosen.sort, before.before, backwards=True)
        before = await query.list_people(session, chosen, per_page=2, cursor=cursor)
        backwards.insert(0, [row.user.id for row in before.items])
    assert forwards == by_number == backwards, chosen
    return by_number


async def test_every_sort_pages_through_everyone_once_in_order_by_number_next_or_previous(
    session: AsyncSession,
) -> None:
    people = [await make_advocate(session, name=f"Person {n}") for n in (3, 1, 4, 1, 5, 9, 2)]
    won = {people[1].id: 2, people[4].id: 1, people[5].id: 2}
    for person in people:
        for _ in range(won.get(person.id, 0)):
            referral = await make_referral(session, person)
            referral.stage = Stage.WON
    await make_referral(session, people[4])  # still open: not counted
    for person, amount in ((people[0], 300), (people[3], 300), (people[6], 50)):
        await give_points(session, person, amount)  # the others were never active
    first, second = Group(name="First"), Group(name="Second")
    session.add_all([first, second])
    await session.flush()
    members = {people[0].id: [first, second], people[2].id: [second], people[6].id: [first]}
    session.add_all(
        GroupMember(group_id=group.id, user_id=user_id)
        for user_id, joined in members.items()
        for group in joined
    )
    await session.flush()
    counts = {
        Sort.REFERRALS: won,
        Sort.GROUPS: {user_id: len(joined) for user_id, joined in members.items()},
    }
    for sort in Sort:
        for descending in (True, False):
            chosen = PeopleFilter(role=Role.ADVOCATE, sort=sort, descending=descending)
            shown = [i for page in await _walk(session, chosen, 4) for i in page]
            assert sorted(shown) == sorted(p.id for p in people), chosen
            if sort in counts:
                count = counts[sort]
                expected = sorted(shown, key=lambda i: (count.get(i, 0), i), reverse=descending)
                assert shown == expected, chosen


async def test_the_level_column_and_filter_count_a_floor_level(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    kept = await make_advocate(session, name="Kept Champion")
    earned = await make_advocate(session, name="Earned Advocate")
    await give_points(session, kept, 40)
    await give_points(session, earned, 600)
    levels = {level.name: level for level in await points.list_levels(session)}
    await points.set_floor(
        session, actor=marketer, person=kept, level_id=levels["Champion"].id, note="Partner"
    )
    await login_as(client, marketer)

    page = BeautifulSoup((await client.get(PAGE + "?role=advocate")).text, "html.parser")
    rows = {
        row.strong.get_text(): row.get_text(" ", strip=True)
        for row in page.select("#people-table tbody tr")
    }
    assert "Champion" in rows["Kept Champion"]
    assert "Advocate" in rows["Earned Advocate"]
    champions = await client.get(PAGE + f"?role=advocate&level={levels['Champion'].id}")
    assert names(champions.text) == ["Kept Champion"]
    insiders = await client.get(PAGE + f"?role=advocate&level={levels['Insider'].id}")
    assert "Kept Champion" not in names(insiders.text)
    advocates = await client.get(PAGE + f"?role=advocate&level={levels['Advocate'].id}")
    assert names(advocates.text) == ["Earned Advocate"]
    header, exported = await query.export_table(session, PeopleFilter(role=Role.ADVOCATE))
    by_name = {row[0]: row[header.index("Level")] for row in exported}
    assert by_name["Kept Champion"] == "Champion"
