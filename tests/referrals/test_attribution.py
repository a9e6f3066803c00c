"""The attribution model: a prospect who came through two advocates' links is credited by last
click (the default) or first click among the visits within the window, and the referral shows
its visits and why it went to whom."""

from datetime import timedelta

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.people.models import User
from portal.referrals import service as referrals
from portal.referrals.models import CreditRule, Referral, ReferralOrigin, ReferralTouch
from tests.factories import login_as, make_advocate, make_marketer, make_sales, post_form


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def _visit(client: httpx.AsyncClient, advocate: User, *, days_ago: int) -> None:
    with clock.shifted(-timedelta(days=days_ago)):
        assert (await client.get(f"/r/{advocate.referral_code}")).status_code == 200


async def _sign_up(client: httpx.AsyncClient, on: User, email: str) -> None:
    page = soup(await client.get("/login"))
    token = page.select_one("meta[name=csrf-token]")["content"]
    sent = await client.post(
        f"/r/{on.referral_code}",
        data={"csrf_token": token, "name": "Grace Hopper", "email": email},
    )
    assert sent.status_code == 200, sent.text


async def _credited(session: AsyncSession, email: str) -> tuple[Referral, ReferralOrigin]:
    referral = await session.scalar(select(Referral).where(Referral.prospect_email == email))
    assert referral is not None
    origin = await session.get(ReferralOrigin, referral.id)
    assert origin is not None
    return referral, origin


async def test_two_advocates_links_are_credited_by_the_model_within_the_window(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    ada = await make_advocate(session, name="Ada Lovelace")
    bea = await make_advocate(session, name="Bea Hollerith")
    await _visit(client, ada, days_ago=10)
    await _visit(client, bea, days_ago=2)

    # Last click, the default: Bea's visit is the later one (the form is on Ada's page).
    await _sign_up(client, ada, "one@initech.example")
    referral, origin = await _credited(session, "one@initech.example")
    assert referral.referrer_id == bea.id
    assert origin.credit_rule == CreditRule.LAST_CLICK
    touches = list(
        await session.scalars(
            select(ReferralTouch)
            .where(ReferralTouch.referral_id == referral.id)
            .order_by(ReferralTouch.touched_at)
        )
    )
    assert [(touch.advocate_id, touch.credited) for touch in touches] == [
        (ada.id, False),
        (bea.id, True),
    ]

    await referrals.save_settings(session, actor=marketer, attribution_model="first_click")
    await _sign_up(client, bea, "two@initech.example")
    referral, origin = await _credited(session, "two@initech.example")
    assert referral.referrer_id == ada.id
    assert origin.credit_rule == CreditRule.FIRST_CLICK

    # Ada's visit, 10 days ago, is outside a 5-day window: Bea's is the first that counts.
    await referrals.save_settings(session, actor=marketer, attribution_window_days=5)
    await _sign_up(client, ada, "three@initech.example")
    referral, _ = await _credited(session, "three@initech.example")
    assert referral.referrer_id == bea.id

    # Past every window: the form's own page decides.
    with clock.shifted(timedelta(days=6)):
        await _sign_up(client, ada, "four@initech.example")
    referral, origin = await _credited(session, "four@initech.example")
    assert referral.referrer_id == ada.id
    assert origin.credit_rule == CreditRule.LINK


async def test_the_referral_says_which_visits_it_had_and_why_it_went_to_whom(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session, name="Ada Lovelace")
    bea = await make_advocate(session, name="Bea Hollerith")
    rep = await make_sales(session)
    await _visit(client, ada, days_ago=3)
    await _visit(client, bea, days_ago=1)
    await _sign_up(client, bea, "grace@navylabs.example")
    referral, _ = await _credited(session, "grace@navylabs.example")

    client.cookies.clear()
    await login_as(client, rep)
    staff = soup(await client.get(f"/pipeline/{referral.id}"))
    credit = staff.select_one("#referral-credit").get_text(" ", strip=True)
    assert "Credited to Bea Hollerith by last click" in credit
    assert "last of 2 visits" in credit
    assert "within 30 days" in credit
    touches = [li.get_text(" ", strip=True) for li in staff.select("#referral-touches li")]
    assert "Ada Lovelace" in touches[0]
    assert "credited" not in touches[0]
    assert "Bea Hollerith" in touches[1]
    assert "credited" in touches[1]

    client.cookies.clear()
    await login_as(client, bea)
    mine = soup(await client.get(f"/referrals/{referral.id}"))
    assert "Credited to you by last click" in mine.select_one("#referral-credit").get_text()
    assert "Ada" not in mine.select_one("main").get_text()


async def test_the_attribution_settings_refuse_a_window_past_what_is_remembered(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    await login_as(client, marketer)
    page = soup(await client.get("/manage/referrals/"))
    data = {
        field["name"]: field.get("value", "")
        for field in page.select("form[action$='/manage/referrals/'] input")
        if field.get("name") and field["name"] != "csrf_token"
    }
    data |= {
        textarea["name"]: textarea.get_text()
        for textarea in page.select("form[action$='/manage/referrals/'] textarea")
    }
    refused = await post_form(
        client,
        "/manage/referrals/",
        {**data, "attribution_model": "first_click", "attribution_window_days": "91"},
    )
    assert refused.status_code == 422
    form = soup(refused)
    assert "from 1 to 90" in form.select_one("#f-attribution_window_days-error").get_text()
    assert form.select_one("#f-attribution_window_days")["value"] == "91"
    saved = await post_form(
        client,
        "/manage/referrals/",
        {**data, "attribution_model": "first_click", "attribution_window_days": "14"},
    )
    assert saved.status_code == 303
    config = await referrals.load_settings(session)
    assert (config.attribution_model, config.attribution_window_days) == ("first_click", 14)
