"""Bulk actions from the People table: a confirmation that states the count, then each person
through the one-person rules; awarding twice from one confirmation awards once."""

import re

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth.models import Invitation
from portal.groups import service as groups
from portal.people.models import GroupMember, Role, UserStatus
from portal.points import service as points
from portal.points.models import LedgerEntry
from tests.factories import login_as, make_admin, make_advocate, make_marketer, post_form

PAGE = "/manage/people/"


def confirm_fields(html: str) -> dict[str, str | list[str]]:
    form = BeautifulSoup(html, "html.parser").select_one("form[action$='/bulk/run']")
    assert form is not None, html
    fields: dict[str, str | list[str]] = {}
    for field in form.select("input[type=hidden]"):
        if field["name"] == "ids":
            fields.setdefault("ids", [])
            fields["ids"].append(field["value"])  # type: ignore[union-attr]
        elif field["name"] != "csrf_token":
            fields[field["name"]] = field.get("value", "")
    return fields


async def test_award_points_to_the_filtered_set_confirms_the_count_and_awards_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    first = await make_advocate(session, name="Priya Raman", company="Northwind")
    second = await make_advocate(session, name="Nils North", company="Northwind")
    other = await make_advocate(session, name="Jonas Berg", company="FjordTech")
    await login_as(client, marketer)

    asked = await post_form(
        client,
        "/manage/people/bulk",
        {
            "action": "award_points",
            "points": "75",
            "reason": "Thanks for the webinar",
            "scope": "all",
            "view": "company=northwind",
        },
        page=PAGE,
    )
    assert asked.status_code == 200
    heading = BeautifulSoup(asked.text, "html.parser").h1.get_text()
    assert heading == "Award 75 points to 2 people?"
    assert (
        await points.balance_of(session, first)
    ).current == 0  # nothing happens before confirming

    fields = confirm_fields(asked.text)
    done = await post_form(client, "/manage/people/bulk/run", fields, page=PAGE)
    assert done.status_code == 303
    assert done.headers["location"].endswith("?company=northwind")
    again = await post_form(client, "/manage/people/bulk/run", fields, page=PAGE)
    assert again.status_code == 303
    follow = await client.get(done.headers["location"])
    assert "2 people awarded points." in follow.text

    assert (await points.balance_of(session, first)).current == 75
    assert (await points.balance_of(session, second)).current == 75
    assert (await points.balance_of(session, other)).current == 0
    reasons = set(await session.scalars(select(LedgerEntry.reason)))
    assert reasons == {"Thanks for the webinar"}
    assert await session.scalar(select(func.count()).select_from(LedgerEntry)) == 2


async def test_bulk_form_errors_keep_what_was_typed_and_change_nothing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    person = await make_advocate(session)
    await login_as(client, await make_marketer(session))
    response = await post_form(
        client,
        "/manage/people/bulk",
        {"action": "award_points", "points": "lots", "reason": "", "ids": [str(person.id)]},
        page=PAGE,
    )
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    assert page.select_one("#f-points")["value"] == "lots"
    assert "points to award" in page.select_one("#f-points-error").get_text()
    assert "Say why" in page.select_one("#f-reason-error").get_text()
    nobody = await post_form(client, "/manage/people/bulk", {"action": "suspend"}, page=PAGE)
    assert nobody.status_code == 422
    assert "Tick the people" in nobody.text
    unconfirmed = await post_form(
        client,
        "/manage/people/bulk/run",
        {"action": "suspend", "ids": [str(person.id)], "scope": "selected"},
        page=PAGE,
    )
    assert unconfirmed.status_code == 422
    await session.refresh(person)
    assert person.status == UserStatus.ACTIVE


async def test_add_and_remove_ticked_people_from_a_group(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    group = await groups.create_group(session, staff=marketer, name="Beta", description="")
    one = await make_advocate(session, name="One")
    two = await make_advocate(session, name="Two")
    await groups.add_members(session, staff=marketer, group=group, users=[one])
    await login_as(client, marketer)

    ids = [str(one.id), str(two.id)]
    asked = await post_form(
        client,
        "/manage/people/bulk",
        {"action": "add_to_group", "group": str(group.id), "scope": "selected", "ids": ids},
        page=PAGE,
    )
    assert BeautifulSoup(asked.text, "html.parser").h1.get_text() == "Add 2 people to Beta?"
    done = await post_form(client, "/manage/people/bulk/run", confirm_fields(asked.text), page=PAGE)
    flash = (await client.get(done.headers["location"])).text
    assert "1 person added to the group. Skipped 1: already in the group (1)" in flash
    members = set(await session.scalars(select(GroupMember.user_id)))
    assert members == {one.id, two.id}

    asked = await post_form(
        client,
        "/manage/people/bulk",
        {"action": "remove_from_group", "group": str(group.id), "ids": [str(one.id)]},
        page=PAGE,
    )
    await post_form(client, "/manage/people/bulk/run", confirm_fields(asked.text), page=PAGE)
    assert set(await session.scalars(select(GroupMember.user_id))) == {two.id}


async def test_suspend_skips_whom_the_rules_protect(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    admin = await make_admin(session)
    advocate = await make_advocate(session)
    await login_as(client, marketer)
    ids = [str(admin.id), str(advocate.id), str(marketer.id)]
    asked = await post_form(
        client, "/manage/people/bulk", {"action": "suspend", "ids": ids}, page=PAGE
    )
    assert "Suspend 3 people and sign them out?" in asked.text
    done = await post_form(client, "/manage/people/bulk/run", confirm_fields(asked.text), page=PAGE)
    flash = BeautifulSoup((await client.get(done.headers["location"])).text, "html.parser")
    text = flash.select_one("#flashes").get_text(" ", strip=True)
    assert text.startswith("1 person suspended. Skipped 2:")
    for person, status in ((advocate, "suspended"), (admin, "active"), (marketer, "active")):
        await session.refresh(person)
        assert person.status == status


async def test_invite_again_sends_only_to_the_invited(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    invited = await make_advocate(session, status=UserStatus.INVITED, password=None)
    active = await make_advocate(session)
    await login_as(client, marketer)
    asked = await post_form(
        client,
        "/manage/people/bulk",
        {"action": "invite_again", "ids": [str(invited.id), str(active.id)]},
        page=PAGE,
    )
    done = await post_form(client, "/manage/people/bulk/run", confirm_fields(asked.text), page=PAGE)
    text = (await client.get(done.headers["location"])).text
    assert re.search(r"1 person sent a new invitation\. Skipped 1: not waiting", text)
    invitations = list(await session.scalars(select(Invitation.user_id)))
    assert invitations == [invited.id]
    assert Role.ADVOCATE in invited.role_set
