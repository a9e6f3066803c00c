import httpx
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.models import AuditEntry
from portal.people.models import Group, GroupMember
from portal.points import service as points
from portal.points.models import Badge, LedgerEntry, Level
from tests.factories import login_as, make_admin, make_advocate, make_marketer, post_form


def _page(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def test_home_shows_balance_level_progress_rank_badges_and_activity(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session, name="Priya Raman")
    await points.award(session, advocate, points=1_680, reason="Referral won", key="r:1")
    await points.spend(session, advocate, points=180, reason="Hoodie", key="s:1")
    await login_as(client, advocate)
    page = _page(await client.get("/"))
    assert page.select_one("#balance-current").get_text() == "1,500"
    assert page.select_one("#balance-lifetime").get_text() == "1,680"
    assert "320 points to Champion" in page.select_one("#level-progress").get_text()
    assert page.select_one("#month-rank").get_text() == "#1"
    assert "Advocate" in page.select_one("#badges").get_text()
    recent = [li.get_text(" ", strip=True) for li in page.select("#recent-activity li")]
    assert recent[0].startswith("-180 Hoodie")


async def test_home_feed_shows_others_and_respects_their_choice(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    me = await make_advocate(session)
    named = await make_advocate(session, name="Jonas Berg")
    named.show_in_feed = True
    await points.award(session, named, points=600, reason="r", key="n:1")
    await login_as(client, me)
    feed = _page(await client.get("/")).select_one("#community-feed").get_text(" ", strip=True)
    assert "Jonas Berg reached Advocate" in feed


async def test_my_points_pages_newest_first_with_load_more(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    advocate = await make_advocate(session)
    for n in range(30):
        await points.award(session, advocate, points=n + 1, reason=f"Task {n + 1}", key=f"t:{n}")
    await login_as(client, advocate)
    first = _page(await client.get("/points/"))
    rows = first.select("#ledger-rows tr[id^=entry-]")
    assert len(rows) == 25
    assert "Task 30" in rows[0].get_text()
    more = first.select_one("#load-more-row a")["href"]
    second = await client.get(more, headers=htmx)
    page = _page(second)
    assert (page.find("html") is None) == bool(htmx)  # htmx gets only the rows
    older = [tr.get_text() for tr in page.select("tr[id^=entry-]")]
    assert len(older) == 5
    assert "Task 5" in older[0]
    assert page.select_one("#load-more-row") is None


async def test_leaderboard_periods_groups_and_own_row(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    me = await make_advocate(session, name="Me Myself")
    leaders = [await make_advocate(session, name=f"Leader {n:02}") for n in range(26)]
    for n, leader in enumerate(leaders):
        await points.award(session, leader, points=100 + n, reason="r", key=f"l:{n}")
    await points.award(session, me, points=5, reason="r", key="me")
    group = Group(name="Developers")
    session.add(group)
    await session.flush()
    session.add(GroupMember(group_id=group.id, user_id=me.id))
    await login_as(client, me)

    page = _page(await client.get("/leaderboard/?period=all_time", headers=htmx))
    rows = page.select("#board tbody tr")
    assert len(rows) == 27  # top 25, the gap, and my own row
    assert "that's you" in rows[-1].get_text()
    assert rows[-1].select_one(".rank").get_text(strip=True) == "27"

    group_page = _page(await client.get(f"/leaderboard/?period=month&group={group.id}"))
    assert [td.get_text(strip=True) for td in group_page.select("#board tbody strong")] == [
        "Me Myself"
    ]


async def test_a_hidden_group_board_is_not_offered_to_advocates(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    me = await make_advocate(session)
    group = Group(name="Secret shoppers", is_leaderboard_hidden=True)
    session.add(group)
    await session.flush()
    session.add(GroupMember(group_id=group.id, user_id=me.id))
    await login_as(client, me)
    page = _page(await client.get("/leaderboard/"))
    assert "Secret shoppers" not in page.get_text()
    outsider = await make_advocate(session, name="Not In The Group")
    await points.award(session, outsider, points=10, reason="r", key="o:1")
    response = await client.get(f"/leaderboard/?group={group.id}")
    assert "Not In The Group" in _page(response).select_one("#board").get_text()  # everyone's


async def test_marketer_hides_a_group_board(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    group = Group(name="Partners")
    session.add(group)
    await session.flush()
    await login_as(client, await make_marketer(session))
    response = await post_form(
        client, f"/leaderboard/groups/{group.id}/visibility", {"hidden": "1"}
    )
    assert response.status_code == 303
    await session.refresh(group)
    assert group.is_leaderboard_hidden


async def test_marketer_adjusts_points_and_a_double_submit_counts_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    await login_as(client, await make_marketer(session))
    page = _page(await client.get(f"/manage/points/people/{advocate.id}"))
    key = page.select_one("input[name=key]")["value"]
    form = {
        "points": "75",
        "reason": "Spoke at our meetup",
        "key": key,
        "counts_toward_lifetime": "on",
    }
    first = await post_form(client, f"/manage/points/people/{advocate.id}/adjust", form)
    again = await post_form(client, f"/manage/points/people/{advocate.id}/adjust", form)
    assert first.status_code == again.status_code == 303
    balance = await points.balance_of(session, advocate)
    assert (balance.current, balance.lifetime) == (75, 75)
    assert await session.scalar(select(func.count()).select_from(LedgerEntry)) == 1
    assert (
        await session.scalar(select(func.count()).where(AuditEntry.action == "points.adjusted"))
        == 1
    )


async def test_adjustment_errors_keep_the_form(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    await points.award(session, advocate, points=10, reason="r", key="a:1")
    await login_as(client, await make_marketer(session))
    response = await post_form(
        client,
        f"/manage/points/people/{advocate.id}/adjust",
        {"points": "-50", "reason": "Duplicate award", "key": "adjust:fixed"},
    )
    assert response.status_code == 422
    page = _page(response)
    assert "needs 50 points and the balance is 10" in page.select_one("#f-points-error").get_text()
    assert page.select_one("#f-reason")["value"] == "Duplicate award"
    bad = await post_form(
        client, f"/manage/points/people/{advocate.id}/adjust", {"points": "lots", "reason": ""}
    )
    errors = _page(bad)
    assert "whole number" in errors.select_one("#f-points-error").get_text()
    assert "Say why" in errors.select_one("#f-reason-error").get_text()
    assert (await points.balance_of(session, advocate)).current == 10


async def test_marketer_manages_levels_and_custom_badges(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    await login_as(client, await make_admin(session))
    added = await post_form(
        client, "/manage/points/levels", {"name": "Ambassador", "min_points": "5000"}
    )
    assert added.status_code == 303
    clash = await post_form(client, "/manage/points/levels", {"name": "Icon", "min_points": "500"})
    assert clash.status_code == 422
    assert "The level Advocate already uses that threshold." in _page(clash).get_text()
    assert await session.scalar(select(Level.id).where(Level.name == "Ambassador")) is not None

    no_icon = await post_form(
        client,
        "/manage/points/badges",
        {"name": "Beta tester", "description": "Tried it first", "icon": "🧪"},
    )
    assert no_icon.status_code == 422
    form = BeautifulSoup(no_icon.text, "html.parser")
    assert "Choose the badge's icon." in form.select_one("#f-icon-error").get_text()
    assert form.select_one("#badge-admin #f-name")["value"] == "Beta tester"
    assert await session.scalar(select(Badge).where(Badge.name == "Beta tester")) is None
    created = await post_form(
        client,
        "/manage/points/badges",
        {"name": "Beta tester", "description": "Tried it first", "icon": "rocket"},
    )
    assert created.status_code == 303
    badge = await session.scalar(select(Badge).where(Badge.name == "Beta tester"))
    assert badge.icon == "rocket"
    awarded = await post_form(
        client, f"/manage/points/people/{advocate.id}/badges", {"badge_id": str(badge.id)}
    )
    assert awarded.status_code == 303
    assert [held.badge.name for held in await points.badges_of(session, advocate)] == [
        "Beta tester"
    ]
    page = BeautifulSoup(
        (await client.get(f"/manage/points/people/{advocate.id}")).text, "html.parser"
    )
    drawn = page.select_one(".badge svg.icon-rocket")
    assert (drawn["role"], drawn["aria-label"]) == ("img", "Beta tester badge")


async def test_points_management_is_for_marketers(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    await login_as(client, advocate)
    assert (await client.get("/manage/points/")).status_code == 403
    assert (await client.get(f"/manage/points/people/{advocate.id}")).status_code == 403


async def test_ledger_rows_link_to_what_earned_or_spent_the_points(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    from tests.factories import give_points, make_referral, make_reward

    advocate = await make_advocate(session)
    await give_points(session, advocate, 600)
    referral = await make_referral(session, advocate)
    reward = await make_reward(session, cost=100)
    from portal.rewards import service as rewards

    redemption = await rewards.request_redemption(
        session,
        user=advocate,
        reward_id=reward.id,
        key="link",
        shipping=None,
    )
    await login_as(client, advocate)
    page = _page(await client.get("/points/"))
    links = {a.get_text(): a["href"] for a in page.select("#ledger-rows a")}
    assert links[f"Redeemed: {reward.title}"].endswith(f"/rewards/redemptions/{redemption.id}")
    assert any(href.endswith(f"/referrals/{referral.id}") for href in links.values())


async def test_home_offers_the_personal_link_with_what_a_won_referral_pays(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    await login_as(client, advocate)
    box = _page(await client.get("/")).select_one("#refer-box")
    assert box.select_one("input")["value"] == f"http://portal.test/r/{advocate.referral_code}"
    assert "Up to 1,550 points" in box.get_text()
