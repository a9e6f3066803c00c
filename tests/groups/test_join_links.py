"""Join links: people who sign up through a group's link join the group; the program's
sign-up mode still decides whether they may sign up and whether they wait for approval."""

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.groups import service as groups
from portal.people.models import Group, GroupMember, User, UserStatus
from portal.program import service as program
from portal.program.service import SignupMode
from tests.factories import login_as, make_marketer, post_form

APPLICANT = {
    "display_name": "Pat Newcomer",
    "email": "pat@newco.example",
    "company": "NewCo",
    "job_title": "CTO",
    "password": "a long enough password",
}


def _page(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def _group_with_link(session: AsyncSession) -> Group:
    marketer = await make_marketer(session)
    group = await groups.create_group(session, staff=marketer, name="Partners")
    await groups.set_join_link(session, staff=marketer, group=group, on=True)
    return group


async def _groups_of(session: AsyncSession, email: str) -> tuple[UserStatus, list[int]]:
    user = await session.scalar(select(User).where(User.email == email))
    assert user is not None
    ids = await session.scalars(select(GroupMember.group_id).where(GroupMember.user_id == user.id))
    return UserStatus(user.status), list(ids)


async def test_signing_up_through_the_link_joins_the_group(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    group = await _group_with_link(session)
    await program.update(session, actor=None, signup_mode=SignupMode.OPEN)
    link = await client.get(f"/join/{group.join_code}")
    assert link.status_code == 303
    page = _page(await client.get(link.headers["location"]))
    assert "You'll join the group Partners" in page.select_one("#join-group").get_text()
    assert page.select_one('input[name="join"]')["value"] == group.join_code
    assert group.join_code is not None
    signed = await post_form(
        client, "/signup", {**APPLICANT, "join": group.join_code}, page=link.headers["location"]
    )
    assert signed.status_code == 200
    assert await _groups_of(session, "pat@newco.example") == (UserStatus.ACTIVE, [group.id])


async def test_with_approval_the_newcomer_joins_the_group_and_still_waits(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    group = await _group_with_link(session)
    await program.update(session, actor=None, signup_mode=SignupMode.APPROVAL)
    assert group.join_code is not None
    signed = await post_form(
        client, "/signup", {**APPLICANT, "join": group.join_code}, page="/signup"
    )
    assert signed.status_code == 200
    assert _page(signed).select_one("#signup-waiting") is not None
    assert await _groups_of(session, "pat@newco.example") == (UserStatus.PENDING, [group.id])


async def test_with_sign_up_closed_the_link_leads_nowhere(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    group = await _group_with_link(session)
    link = await client.get(f"/join/{group.join_code}")
    assert (await client.get(link.headers["location"])).status_code == 404


async def test_a_link_turned_off_or_renewed_no_longer_joins_the_group(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    group = await groups.create_group(session, staff=marketer, name="Partners")
    await login_as(client, marketer)
    made = await post_form(client, f"/manage/groups/{group.id}/join-link", {"link": "on"})
    assert made.status_code == 303
    shown = _page(await client.get(f"/manage/groups/{group.id}")).select_one("#join-url")
    await session.refresh(group)
    old = group.join_code
    assert shown.get_text() == f"http://portal.test/join/{old}"
    await post_form(client, f"/manage/groups/{group.id}/join-link", {"link": "off"})
    await session.refresh(group)
    assert group.join_code is None
    await program.update(session, actor=None, signup_mode=SignupMode.OPEN)
    stale = _page(await client.get(f"/signup?join={old}"))
    assert "no longer works" in stale.select_one("#join-group").get_text()
    await post_form(client, "/signup", {**APPLICANT, "join": str(old)}, page="/signup")
    assert await _groups_of(session, "pat@newco.example") == (UserStatus.ACTIVE, [])
