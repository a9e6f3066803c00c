"""Campaigns and UTM tags: a marketer sets up a campaign, an advocate's link carries it, the
visit's UTM tags and referring site stay with the referral, and the campaign's bonus points are
paid once per stage (and taken back with the stage's own)."""

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.files.storage import LocalStorage
from portal.people.models import User
from portal.points import service as points
from portal.referrals import service as referrals
from portal.referrals.models import (
    Campaign,
    CloseReason,
    Referral,
    ReferralClick,
    ReferralOrigin,
    Stage,
)
from portal.referrals.service.campaigns import program_today
from tests.factories import (
    login_as,
    make_advocate,
    make_asset,
    make_marketer,
    make_sales,
    post_form,
)

PROSPECT = {
    "name": "Grace Hopper",
    "email": "grace@navylabs.example",
    "company": "Navy Labs",
    "job_title": "Rear Admiral",
    "phone": "",
    "note": "",
}


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "uploads")


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def _spring(session: AsyncSession, marketer: User, **changes: object) -> Campaign:
    plan = {
        "name": "Spring launch",
        "starts_on": program_today() - timedelta(days=3),
        "ends_on": program_today() + timedelta(days=30),
        "bonus_points": {"submitted": 25, "won": 500},
        "questions": "How many seats do you need?",
        **changes,
    }
    return await referrals.create_campaign(
        session,
        actor=marketer,
        plan=referrals.CampaignPlan(**plan),  # type: ignore[arg-type]
    )


async def _submit_through(
    client: httpx.AsyncClient, path: str, data: dict[str, str], referer: str = ""
) -> httpx.Response:
    headers = {"Referer": referer} if referer else {}
    page = soup(await client.get(path, headers=headers))
    token = page.select_one("meta[name=csrf-token]")["content"]
    action = page.select_one("#landing-form form")["action"]
    return await client.post(action, data={"csrf_token": token, **data})


async def test_a_marketer_creates_a_campaign_and_bad_input_keeps_what_was_typed(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    await login_as(client, marketer)
    refused = await post_form(
        client,
        "/manage/referrals/campaigns",
        {
            "name": "Spring launch",
            "starts_on": "2026-12-10",
            "ends_on": "2026-12-01",
            "bonus_won": "lots",
            "questions": "Seats?",
        },
    )
    assert refused.status_code == 422
    form = soup(refused).select_one("#new-campaign")
    assert "must end on or after" in form.select_one("#f-ends_on-error").get_text()
    assert "whole number" in form.select_one("#f-bonus_won-error").get_text()
    assert form.select_one("#f-name")["value"] == "Spring launch"
    assert form.select_one("#f-questions").get_text() == "Seats?"

    created = await post_form(
        client,
        "/manage/referrals/campaigns",
        {"name": "Spring Launch!", "starts_on": "2026-12-01", "bonus_won": "500"},
    )
    assert created.status_code == 303
    listing = soup(await client.get("/manage/referrals/campaigns"))
    row = listing.select_one("#campaigns tbody tr")
    assert "Spring Launch!" in row.get_text()
    assert "/spring-launch" in row.get_text()

    again = await post_form(
        client, "/manage/referrals/campaigns", {"name": "spring launch!", "starts_on": "2026-12-01"}
    )
    assert again.status_code == 422
    assert "already has this name" in soup(again).select_one("#f-name-error").get_text()


async def test_a_campaign_link_keeps_utm_tags_site_and_answers_and_pays_the_bonus(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    ada = await make_advocate(session, name="Ada Lovelace")
    spring = await _spring(session, marketer)
    path = (
        f"/r/{ada.referral_code}/{spring.slug}"
        "?utm_source=newsletter&utm_medium=email&utm_campaign=spring-2027"
    )
    page = soup(await client.get(path))
    assert page.select_one("label[for=f-answer_1]").get_text().startswith("How many seats")
    click = await session.scalar(select(ReferralClick).where(ReferralClick.referrer_id == ada.id))
    assert click is not None
    assert click.campaign_id == spring.id

    sent = await _submit_through(
        client, path, {**PROSPECT, "answer_1": "About 40"}, referer="https://news.example/issue-9"
    )
    assert sent.status_code == 200, sent.text
    referral = await session.scalar(select(Referral).where(Referral.referrer_id == ada.id))
    assert referral is not None
    origin = await session.get(ReferralOrigin, referral.id)
    assert origin is not None
    assert origin.campaign_id == spring.id
    assert (origin.utm_source, origin.utm_medium, origin.utm_campaign) == (
        "newsletter",
        "email",
        "spring-2027",
    )
    assert origin.referrer_host == "news.example"
    assert origin.answers == {"How many seats do you need?": "About 40"}
    assert (await points.balance_of(session, ada)).current == 50 + 25

    await login_as(client, ada)
    mine = soup(await client.get(f"/referrals/{referral.id}"))
    assert "Spring launch" in mine.select_one("#referral-campaign").get_text()
    assert "+75 points" in mine.select_one(f"#timeline-{referral.id}").get_text()
    listing = soup(await client.get("/referrals/"))
    link = listing.select_one(f"#campaign-link-{spring.id}")
    assert link.select_one("input")["value"].endswith(f"/r/{ada.referral_code}/{spring.slug}")
    assert "+500 at Won" in link.get_text()

    rep = await make_sales(session)
    client.cookies.clear()
    await login_as(client, rep)
    staff = soup(await client.get(f"/pipeline/{referral.id}"))
    assert "newsletter" in staff.select_one("#referral-utm").get_text()
    assert "About 40" in staff.get_text()


async def test_the_bonus_is_paid_once_per_stage_and_taken_back_with_it(
    session: AsyncSession,
) -> None:
    marketer = await make_marketer(session)
    rep = await make_sales(session)
    ada = await make_advocate(session)
    spring = await _spring(session, marketer)
    referral = await referrals.submit_referral(
        session,
        referrer=ada,
        prospect=referrals.Prospect(name="Grace Hopper", email="grace@navylabs.example"),
        origin=referrals.Origin(campaign=spring),
    )
    referral = await referrals.access_referral(session, referral.id)
    await referrals.move_referral(session, referral, to=Stage.WON, actor=rep)
    earned = 50 + 25 + 200 + 300 + 1000 + 500
    assert (await points.balance_of(session, ada)).current == earned
    await referrals.move_referral(session, referral, to=Stage.OPPORTUNITY, actor=rep, note="Oops")
    await referrals.move_referral(session, referral, to=Stage.WON, actor=rep)
    assert (await points.balance_of(session, ada)).current == earned
    await referrals.move_referral(
        session, referral, to=Stage.REJECTED, actor=rep, reason=CloseReason.INVALID, note="Fake"
    )
    assert (await points.balance_of(session, ada)).current == 0


async def test_an_ended_or_unknown_campaign_link_still_reaches_the_advocate_without_it(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    ada = await make_advocate(session)
    ended = await _spring(
        session,
        marketer,
        name="Last year",
        starts_on=program_today() - timedelta(days=60),
        ends_on=program_today() - timedelta(days=1),
    )
    assert (await client.get(f"/r/{ada.referral_code}/no-such-campaign")).status_code == 200
    sent = await _submit_through(client, f"/r/{ada.referral_code}/{ended.slug}", PROSPECT)
    assert sent.status_code == 200
    assert "answer_1" not in sent.text
    referral = await session.scalar(select(Referral).where(Referral.referrer_id == ada.id))
    assert referral is not None
    origin = await session.get(ReferralOrigin, referral.id)
    assert origin is not None
    assert origin.campaign_id is None
    assert (await points.balance_of(session, ada)).current == 50
    rows = await referrals.list_campaigns(session)
    assert [(row.campaign.name, row.referrals) for row in rows] == [("Last year", 0)]


async def test_a_share_pages_utm_tags_carry_on_to_the_landing_page_they_lead_to(
    client: httpx.AsyncClient, session: AsyncSession, storage: LocalStorage
) -> None:
    marketer = await make_marketer(session)
    ada = await make_advocate(session)
    asset = await make_asset(session, storage, actor=marketer, url="https://acme.example/demo")
    shared = await client.get(
        f"/s/{asset.id}/{ada.referral_code}?utm_source=twitter&utm_medium=social",
        headers={"Referer": "https://t.co/xyz"},
    )
    assert shared.status_code == 200
    # The share page's "Talk to us" button leads on, from our own page and without tags.
    sent = await _submit_through(
        client, f"/r/{ada.referral_code}", PROSPECT, referer="http://portal.test/s/1/x"
    )
    assert sent.status_code == 200
    referral = await session.scalar(select(Referral).where(Referral.referrer_id == ada.id))
    assert referral is not None
    origin = await session.get(ReferralOrigin, referral.id)
    assert origin is not None
    assert (origin.utm_source, origin.utm_medium, origin.referrer_host) == (
        "twitter",
        "social",
        "t.co",
    )
