"""Where staff see trust: the settings page that sets the rules, the person's page and the
referral's page, each with the reasons."""

import httpx
from bs4 import BeautifulSoup
from sqlalchemy.ext.asyncio import AsyncSession

from portal.trust import service as trust
from portal.trust_scoring import service as scoring
from tests.factories import (
    login_as,
    make_admin,
    make_advocate,
    make_marketer,
    make_referral,
    post_form,
)

SETTINGS = "/manage/trust/"


def _page(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def test_an_admin_sets_the_trust_rules(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_admin(session)
    await login_as(client, admin)
    saved = await post_form(
        client,
        SETTINGS,
        {
            "auto_approve_from": "80",
            "auto_fulfil_from": "75",
            "auto_fulfil_max_points": "2,000",
            "clear_early_from": "90",
            "review_below": "30",
            "low_code_pool": "5",
        },
        page=SETTINGS,
    )
    assert saved.status_code == 303
    settings = await trust.load_settings(session)
    assert (settings.auto_approve_from, settings.auto_fulfil_max_points) == (80, 2000)
    assert (settings.clear_early_from, settings.review_below, settings.low_code_pool) == (90, 30, 5)


async def test_a_bad_value_keeps_the_input_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_admin(session))
    refused = await post_form(
        client,
        SETTINGS,
        {
            "auto_approve_from": "120",
            "auto_fulfil_from": "0",
            "auto_fulfil_max_points": "10",
            "review_below": "abc",
            "low_code_pool": "3",
        },
        page=SETTINGS,
    )
    assert refused.status_code == 422
    page = _page(refused)
    assert "0 to 100" in page.select_one("#f-auto_approve_from-error").get_text()
    assert page.select_one("#f-review_below")["value"] == "abc"
    assert await trust.load_settings(session) == trust.TrustSettings()


async def test_a_marketer_cannot_change_the_rules(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    assert (await client.get(SETTINGS)).status_code == 403


async def test_the_person_and_referral_pages_show_the_score_and_its_reasons(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session, name="Ada Flagged")
    referral = await make_referral(session, ada, name="Free Mail", email="y@gmail.com")
    await scoring.recompute(session, ada.id)
    admin = await make_admin(session)
    await login_as(client, admin)
    person = _page(await client.get(f"/manage/people/{ada.id}"))
    shown = person.select_one("#trust-score")
    assert shown.select_one(".trust-chip").get_text(strip=True) == "Trust 50 · Neutral"
    reasons = [li.get_text(" ", strip=True) for li in shown.select(".trust-reasons li")]
    assert "1 flagged referrals waiting for review" in reasons
    assert "Signed up on their own" in reasons
    detail = _page(await client.get(f"/pipeline/{referral.id}"))
    assert detail.select_one(".trust-chip").get_text(strip=True) == "Trust 50 · Neutral"
