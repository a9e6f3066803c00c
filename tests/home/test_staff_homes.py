"""Each role's Home: what a sales rep and a marketer see and the switch to the advocate Home
(tests/demo/test_home_links.py opens every link on each role's Home of the demo program)."""

from datetime import timedelta

import httpx
from bs4 import BeautifulSoup
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.challenges import service as challenges
from portal.challenges.models import Approval
from portal.outbox import service as outbox
from portal.outbox.models import EmailStatus
from portal.people.models import Role
from portal.points import service as points
from portal.referrals import service as referrals
from portal.referrals.models import Stage
from portal.rewards import service as rewards
from portal.rewards.models import RewardKind
from portal.templating import plural
from tests.factories import (
    give_points,
    login_as,
    make_advocate,
    make_challenge,
    make_marketer,
    make_referral,
    make_reward,
    make_sales,
    make_user,
)


def _page(response: httpx.Response) -> BeautifulSoup:
    assert response.status_code == 200, response.text[:500]
    return BeautifulSoup(response.text, "html.parser")


def _tile(page: BeautifulSoup, tile_id: str) -> tuple[str, str | None]:
    tile = page.select_one(f"#{tile_id}")
    assert tile is not None, f"no tile #{tile_id}"
    return tile.get_text(" ", strip=True), tile.get("href")  # type: ignore[return-value]


async def test_a_sales_rep_sees_their_pipeline_and_each_tile_opens_it_filtered(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    rep = await make_sales(session, name="Sam Okafor")
    advocate = await make_advocate(session)

    async def owned(name: str, *, to: Stage | None = None, value: int | None = None) -> None:
        made = await make_referral(session, advocate, name=name)
        referral = await referrals.access_referral(session, made.id)
        await referrals.assign_referral(session, referral, owner=rep, actor=rep)
        await referrals.set_deal_value(session, referral, value=value, actor=rep)
        if to is not None:
            await referrals.move_referral(session, referral, to=to, actor=rep)

    with clock.shifted(-timedelta(days=20)):
        await owned("Quiet Quinn")
    await owned("Fresh Fay")
    await owned("Qualified Quentin", to=Stage.QUALIFIED)
    await owned("Won Wanda", to=Stage.WON, value=12_000)
    await make_referral(session, advocate, name="Nobody's Nora")
    await login_as(client, rep)

    home = _page(await client.get("/"))
    assert home.h1.get_text() == "Welcome, Sam"
    assert home.select_one("#points-summary") is None  # no advocate page with 0 points
    assert _tile(home, "mine-submitted") == (
        "2 submitted",
        "http://portal.test/pipeline/?owner=mine&stage=submitted",
    )
    assert _tile(home, "mine-qualified")[0] == "1 qualified"
    assert _tile(home, "unassigned")[0] == "1 referral waiting for an owner"
    assert _tile(home, "quiet")[0] == "1 referral of yours quiet for 14 days or more"
    assert _tile(home, "won")[0] == "1 won this month · 12,000 in deals"
    assert "Quiet Quinn" in home.select_one("#quiet-list").get_text()

    async def names(href: str | None) -> set[str]:
        assert href is not None
        board = _page(await client.get(href))
        return {card.get_text(" ", strip=True) for card in board.select("[id^=referral-] h3")}

    assert {n for n in await names(_tile(home, "quiet")[1]) if "Quinn" in n} == {"Quiet Quinn"}
    assert len(await names(_tile(home, "quiet")[1])) == 1
    unassigned = await names(_tile(home, "unassigned")[1])
    assert len(unassigned) == 1
    assert "Nora" in next(iter(unassigned))


async def test_a_marketer_sees_the_month_what_waits_and_what_needs_attention(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session, name="Maya Patel")
    advocates = [await make_advocate(session) for _ in range(3)]
    await give_points(session, advocates[0], 800)
    challenge = await make_challenge(session, approval=Approval.MANUAL)
    await challenges.submit_entry(
        session, user=advocates[1], challenge_id=challenge.id, key="e1", response={"text": "Hi"}
    )
    hoodie = await make_reward(session, title="Hoodie", cost=300)
    await rewards.request_redemption(
        session,
        user=advocates[0],
        reward_id=hoodie.id,
        key="r1",
        shipping={"name": "A", "street": "B", "city": "C", "postal_code": "1", "country": "D"},
    )
    pool = await make_reward(
        session, title="Gift code", kind=RewardKind.CODE, uses_code_pool=True, needs_approval=False
    )
    await rewards.add_codes(session, staff=marketer, reward_id=pool.id, codes=["A-1", "B-2"])
    email = await outbox.queue_email(
        session,
        to="x@example.com",
        kind="signup_approved",
        context={"link": "https://x.test/", "name": "X"},
    )
    assert email is not None
    email.status = EmailStatus.FAILED
    await make_referral(session, advocates[2])
    await make_user(session, email="invited@example.com", status="invited")  # type: ignore[arg-type]
    await login_as(client, marketer)

    home = _page(await client.get("/"))
    assert _tile(home, "entries-waiting") == (
        "1 entry waiting for review",
        "http://portal.test/manage/approvals/",
    )
    assert _tile(home, "redemptions-waiting") == (
        "1 redemption to approve or send",
        "http://portal.test/manage/rewards/queue",
    )
    assert _tile(home, "engaged")[0] == "2 advocates earned points"  # the gift and a referral
    assert _tile(home, "points-issued") == ("850 points issued", None)
    assert _tile(home, "points-redeemed")[0] == "300 points redeemed for rewards"
    # Marketers read the pipeline (read-only): the referral tiles open it.
    assert _tile(home, "referrals-submitted") == (
        "1 referral submitted",
        "http://portal.test/pipeline/",
    )
    attention = home.select_one("#needs-attention").get_text(" ", strip=True)
    assert "Gift code : 2 codes left in its pool" in attention
    assert "1 email failed to send" in attention
    assert "1 invitation open" in attention


async def test_a_staff_member_who_is_also_an_advocate_switches_homes(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    both = await make_user(session, name="Maya Patel", roles=(Role.MARKETER, Role.ADVOCATE))
    await points.award(session, both, points=75, reason="Webinar", key="w:1")
    only_staff = await make_sales(session)
    await login_as(client, both)
    staff_home = _page(await client.get("/"))
    switch = staff_home.select_one("#advocate-home")["href"]
    advocate_home = _page(await client.get(switch))
    assert advocate_home.select_one("#balance-current").get_text() == "75"
    back = advocate_home.select_one("#staff-home")["href"]
    assert _page(await client.get(back)).select_one("#program-home") is not None

    client.cookies.clear()
    await login_as(client, only_staff)
    home = _page(await client.get("/?view=advocate"))
    assert home.select_one("#advocate-home") is None
    assert home.select_one("#sales-home") is not None


async def test_getting_started_leaves_home_once_every_step_is_done(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session, company="Initech")
    await login_as(client, advocate)
    assert _page(await client.get("/")).select_one("#getting-started") is not None
    advocate.job_title = "Engineer"
    await give_points(session, advocate, 10)
    home = _page(await client.get("/"))
    assert home.select_one("#getting-started") is None
    assert len(home.select(".home-grid > .card")) == 4


def test_counts_read_as_one_thing_or_many() -> None:
    assert plural(1, "invitation") == "1 invitation"
    assert plural(2, "invitation") == "2 invitations"
    assert plural(1_200, "point") == "1,200 points"
    assert plural(1, "entry", "entries") == "1 entry"
    assert plural(0, "entry", "entries") == "0 entries"
    assert plural(3, "entry", "entries", number=False) == "entries"
