"""A person's page: everything about one person for staff, each section what they did."""

import httpx
from bs4 import BeautifulSoup
from sqlalchemy.ext.asyncio import AsyncSession

from portal.challenges import service as challenges
from portal.clock import utcnow
from portal.groups import service as groups
from portal.messages import service as broadcasts
from portal.messages.models import Audience
from portal.outbox import preferences
from portal.outbox.models import EmailCategory
from portal.people.models import Role, UserStatus
from portal.rewards import service as rewards
from tests.factories import (
    give_points,
    login_as,
    make_advocate,
    make_challenge,
    make_marketer,
    make_referral,
    make_reward,
    post_form,
)
from tests.messages.helpers import send_all


def section(page: BeautifulSoup, name: str) -> str:
    found = page.select_one(f"#person-{name}")
    assert found is not None, name
    return found.get_text(" ", strip=True)


async def test_person_page_shows_everything_about_them(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session, name="Maya Marketer")
    priya = await make_advocate(session, name="Priya Raman", company="Northwind")
    group = await groups.create_group(session, staff=marketer, name="Champions", description="")
    await groups.add_members(session, staff=marketer, group=group, users=[priya])
    await give_points(session, priya, 800)
    await make_referral(session, priya, name="Grace Hopper", company="Navy Labs")
    challenge = await make_challenge(session, title="Tell your team")
    await challenges.submit_entry(
        session, user=priya, challenge_id=challenge.id, key="k1", response={"text": "Did it."}
    )
    reward = await make_reward(session, title="Acme mug", cost=100, needs_approval=True)
    await rewards.request_redemption(
        session, user=priya, reward_id=reward.id, key="r1", shipping={"name": "Priya"}
    )
    await login_as(client, marketer)
    await post_form(client, f"/manage/people/{priya.id}/suspend", {}, page="/manage/people/")

    page = BeautifulSoup((await client.get(f"/manage/people/{priya.id}")).text, "html.parser")
    assert "Champions" in section(page, "groups")
    assert "Test points" in section(page, "points")
    assert section(page, "streak") == "Streak: 1 week in a row (best 1) · earned this week"
    assert "Grace Hopper, Navy Labs" in section(page, "referrals")
    assert "Tell your team" in section(page, "entries")
    assert "Acme mug · 100 points" in section(page, "redemptions")
    audit = section(page, "audit")
    assert "Maya Marketer" in audit
    assert "user.suspended" in audit


async def test_person_page_lists_the_emails_sent_to_them(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    await login_as(client, marketer)
    await post_form(
        client,
        "/manage/people/invite",
        {"email": "ivy@example.com", "display_name": "Ivy", "roles": Role.ADVOCATE.value},
        page="/manage/people/invite",
    )
    table = BeautifulSoup((await client.get("/manage/people/?status=invited")).text, "html.parser")
    link = table.select_one("#people-table a.person")["href"]
    page = BeautifulSoup((await client.get(link)).text, "html.parser")
    emails = section(page, "emails")
    assert "invited" in emails.lower()
    assert UserStatus.INVITED.value in page.select_one("h1").get_text()


async def test_a_missing_person_is_404(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await login_as(client, await make_marketer(session))
    assert (await client.get("/manage/people/999999")).status_code == 404


async def test_person_page_lists_the_messages_that_reached_their_bell_even_without_email(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    ana = await make_advocate(session, name="Ana")
    wanted = {category for category in EmailCategory if category is not EmailCategory.NEWS}
    await preferences.save_preferences(session, user=ana, wanted=wanted)
    broadcast = await broadcasts.create_broadcast(
        session,
        author=marketer,
        subject="{first_name}, meet us in Lisbon",
        body="<p>See you there.</p>",
        audience=Audience.EVERYONE,
        send_at=None,
        now=utcnow(),
    )
    await send_all(session, broadcast.id)
    await login_as(client, marketer)
    page = BeautifulSoup((await client.get(f"/manage/people/{ana.id}")).text, "html.parser")
    messages = section(page, "messages")
    assert "Ana, meet us in Lisbon" in messages
    assert "bell only (news emails off)" in messages
    assert "No emails yet." in section(page, "emails")
