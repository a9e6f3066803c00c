"""Revenue attribution: won deal values per campaign and per advocate, shown to staff only; a
running campaign picked on the advocate's own referral form; archived campaigns stop running."""

from datetime import timedelta

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.people.models import User
from portal.points import service as points
from portal.referrals import service as referrals
from portal.referrals.models import Campaign, Referral, ReferralOrigin, Stage
from portal.referrals.service.campaigns import program_today
from tests.factories import (
    csrf_token,
    login_as,
    make_advocate,
    make_marketer,
    make_referral,
    make_sales,
    post_form,
)


async def _campaign(session: AsyncSession, marketer: User, name: str = "Spring launch") -> Campaign:
    return await referrals.create_campaign(
        session,
        actor=marketer,
        plan=referrals.CampaignPlan(
            name=name,
            starts_on=program_today() - timedelta(days=3),
            bonus_points={"submitted": 25},
        ),
    )


async def _won(session: AsyncSession, referral: Referral, rep: User, value: int | None) -> None:
    loaded = await referrals.access_referral(session, referral.id)
    await referrals.set_deal_value(session, loaded, value=value, actor=rep)
    await referrals.move_referral(session, loaded, to=Stage.WON, actor=rep)


async def test_won_deal_values_roll_up_per_campaign_and_per_advocate(
    session: AsyncSession,
) -> None:
    marketer = await make_marketer(session)
    rep = await make_sales(session)
    spring = await _campaign(session, marketer)
    priya = await make_advocate(session, name="Priya Raman")
    tom = await make_advocate(session, name="Tom Fischer")
    for value in (48_000, None):
        referral = await referrals.submit_referral(
            session,
            referrer=priya,
            prospect=referrals.Prospect(name="P", email=f"p{value}@won.example"),
            origin=referrals.Origin(campaign=spring),
        )
        await _won(session, referral, rep, value)
    await _won(session, await make_referral(session, tom), rep, 12_000)
    lost = await make_referral(session, tom)
    loaded = await referrals.access_referral(session, lost.id)
    await referrals.set_deal_value(session, loaded, value=99_000, actor=rep)  # not won: no money
    [row] = [r for r in await referrals.list_campaigns(session) if r.campaign.id == spring.id]
    assert (row.referrals, row.won, row.won_value) == (2, 2, 48_000)
    revenue = await referrals.revenue_by_advocate(session)
    assert [(r.advocate.id, r.won, r.won_value) for r in revenue] == [
        (priya.id, 2, 48_000),
        (tom.id, 1, 12_000),
    ]


async def test_staff_see_the_money_and_advocates_cannot_open_the_page(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    rep = await make_sales(session)
    priya = await make_advocate(session, name="Priya Raman")
    await _won(session, await make_referral(session, priya), rep, 48_000)
    await login_as(client, priya)
    assert (await client.get("/manage/referrals/campaigns")).status_code in (403, 404)
    client.cookies.clear()
    await login_as(client, marketer)
    page = BeautifulSoup((await client.get("/manage/referrals/campaigns")).text, "html.parser")
    row = page.select_one(f"#revenue-{priya.id}").get_text(" ", strip=True)
    assert "Priya Raman" in row
    assert "$48,000" in row


async def test_an_advocate_credits_their_own_referral_to_a_running_campaign(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    spring = await _campaign(session, marketer)
    old = await _campaign(session, marketer, name="Old push")
    await referrals.archive_campaign(session, actor=marketer, campaign_id=old.id, archived=True)
    priya = await make_advocate(session)
    await login_as(client, priya)
    form = BeautifulSoup((await client.get("/referrals/new")).text, "html.parser")
    offered = [option["value"] for option in form.select("#f-campaign option")]
    assert offered == ["", str(spring.id)]  # the archived one is not offered
    prospect = {"name": "Grace Hopper", "email": "grace@navylabs.example", "company": "Navy"}
    response = await post_form(
        client, "/referrals/new", {**prospect, "campaign": str(old.id)}, page="/referrals/new"
    )
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    assert "no longer running" in page.select_one("#f-campaign").find_parent(
        class_="field"
    ).get_text(" ", strip=True)
    assert page.select_one("#f-name")["value"] == "Grace Hopper"
    response = await post_form(
        client, "/referrals/new", {**prospect, "campaign": str(spring.id)}, page="/referrals/new"
    )
    assert response.status_code in (200, 303)
    referral = await session.scalar(
        select(Referral).where(Referral.prospect_email == "grace@navylabs.example")
    )
    assert referral is not None
    origin = await session.get(ReferralOrigin, referral.id)
    assert origin is not None
    assert origin.campaign_id == spring.id
    assert (await points.balance_of(session, priya)).lifetime == 50 + 25  # the campaign bonus


async def test_an_archived_campaigns_link_no_longer_carries_it_until_restored(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    spring = await _campaign(session, marketer)
    slug = spring.slug
    await login_as(client, marketer)
    token = await csrf_token(client, "/manage/referrals/campaigns")
    response = await client.post(
        f"/manage/referrals/campaigns/{spring.id}/archive", data={"csrf_token": token}
    )
    assert response.status_code == 303
    assert await referrals.running_campaign(session, slug) is None
    page = BeautifulSoup((await client.get("/manage/referrals/campaigns")).text, "html.parser")
    assert page.select_one(f"#archived-campaigns #campaign-{spring.id}") is not None
    assert page.select_one(f"#campaigns #campaign-{spring.id}") is None
    response = await client.post(
        f"/manage/referrals/campaigns/{spring.id}/archive",
        data={"csrf_token": token, "archived": "no"},
    )
    assert response.status_code == 303
    session.expire_all()  # the page changed the campaign in its own session
    assert await referrals.running_campaign(session, slug) is not None
