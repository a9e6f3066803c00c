import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.groups import service as groups
from portal.people.models import Group, GroupMember
from portal.rewards import service as rewards
from tests.factories import login_as, make_advocate, make_marketer, make_reward, post_form


def _page(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def _members(session: AsyncSession, group_id: int) -> set[int]:
    return set(
        await session.scalars(select(GroupMember.user_id).where(GroupMember.group_id == group_id))
    )


async def test_a_marketer_creates_a_group_and_a_taken_name_keeps_the_form(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    created = await post_form(
        client, "/manage/groups/", {"name": "Beta testers", "description": "Early access"}
    )
    assert created.status_code == 303
    taken = await post_form(client, "/manage/groups/", {"name": "beta TESTERS"})
    assert taken.status_code == 409
    page = _page(taken)
    assert "already a group" in page.select_one("#f-name-error").get_text()
    assert page.select_one("#f-name")["value"] == "beta TESTERS"
    empty = await post_form(client, "/manage/groups/", {"name": ""})
    assert empty.status_code == 422
    assert await session.scalar(select(Group.name)) == "Beta testers"


async def test_search_add_and_remove_members(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    marketer = await make_marketer(session)
    group = await groups.create_group(session, staff=marketer, name="Developers")
    ada = await make_advocate(session, name="Ada Lovelace", company="Analytical Engines")
    await make_advocate(session, name="Bob Builder", company="Bricks")
    await login_as(client, marketer)
    found = _page(await client.get(f"/manage/groups/{group.id}?q=analytical", headers=htmx))
    assert (found.find("html") is None) == bool(htmx)
    assert [li["id"] for li in found.select("#people-found li")] == [f"found-{ada.id}"]
    added = await post_form(
        client, f"/manage/groups/{group.id}/members", {"user_id": str(ada.id)}, page="/"
    )
    assert added.status_code == 303
    assert await _members(session, group.id) == {ada.id}
    again = _page(await client.get(f"/manage/groups/{group.id}?q=ada"))
    assert again.select_one(f"#found-{ada.id}") is None
    assert again.select_one(f"#member-{ada.id}") is not None
    await post_form(client, f"/manage/groups/{group.id}/members/{ada.id}/remove", {}, page="/")
    assert await _members(session, group.id) == set()


async def test_bulk_add_from_a_csv_of_emails_lists_the_unknown_ones(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    group = await groups.create_group(session, staff=marketer, name="EMEA")
    ada = await make_advocate(session, email="ada@example.com")
    bob = await make_advocate(session, email="bob@example.com")
    await groups.add_members(session, staff=marketer, group=group, users=[bob])
    await login_as(client, marketer)
    token_page = await client.get("/profile")
    token = _page(token_page).select_one('meta[name="csrf-token"]')["content"]
    csv_file = "email,name\nADA@example.com,Ada\nbob@example.com,Bob\nnobody@example.com,X\n"
    response = await client.post(
        f"/manage/groups/{group.id}/import",
        data={"csrf_token": token},
        files={"file": ("people.csv", csv_file.encode(), "text/csv")},
    )
    assert response.status_code == 303
    assert await _members(session, group.id) == {ada.id, bob.id}
    flash = _page(await client.get(response.headers["location"])).select_one(".flash").get_text()
    assert "1 added, 1 already in the group" in flash
    assert "nobody@example.com" in flash


async def test_rewards_use_the_shared_targeting_rule(session: AsyncSession) -> None:
    marketer = await make_marketer(session)
    group = await groups.create_group(session, staff=marketer, name="VIP")
    member, outsider = await make_advocate(session), await make_advocate(session)
    await groups.add_members(session, staff=marketer, group=group, users=[member])
    reward = await make_reward(session, group_ids=frozenset({group.id}))
    seen = [i.reward.id for i in await rewards.catalog(session, viewer=member)]
    assert seen == [reward.id]
    assert await rewards.catalog(session, viewer=outsider) == []


async def test_advocates_get_403_on_groups(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_advocate(session))
    assert (await client.get("/manage/groups/")).status_code == 403
