"""An advocate who reads German sees Home and a challenge in German, with German numbers and
dates; choosing English in the profile switches the pages."""

import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import expect

from portal.challenges.models import ChallengeType
from portal.clock import utcnow
from tests.browser.conftest import LiveServer, OpenPage
from tests.browser.pages import LoginPage
from tests.factories import PASSWORD, give_points, make_challenge, make_reward, make_user

pytestmark = pytest.mark.browser


async def test_a_german_advocate_reads_german_until_choosing_english(
    live_server: LiveServer, open_page: OpenPage
) -> None:
    tag = uuid.uuid4().hex[:6]
    async with live_server.session() as session:
        advocate = await make_user(session, name="Greta Gruber", email=f"greta-{tag}@example.com")
        advocate.language = "de"
        await give_points(session, advocate, 4075)
        challenge = await make_challenge(
            session,
            title=f"Bewerten Sie uns {tag}",
            type=ChallengeType.ONLINE_REVIEW,
            points=1500,
            ends_at=utcnow() + timedelta(days=3, hours=5),
        )

    page = await open_page()
    await (await LoginPage(page).open()).sign_in_expecting_home(advocate.email, PASSWORD)
    await expect(page.locator("html")).to_have_attribute("lang", "de")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Willkommen, Greta")
    await expect(page.locator("#balance-current")).to_have_text("4.075")
    await expect(page.locator("#points-summary")).to_contain_text("Punkte zum Einlösen")
    await expect(page.get_by_role("navigation", name="Hauptmenü")).to_contain_text("Prämien")

    await page.goto(f"{live_server.base_url}/challenges/{challenge.id}")
    await expect(page.locator(".challenge-facts")).to_contain_text("1.500 Punkte")
    await expect(page.locator(".challenge-facts")).to_contain_text("Endet in 3 Tagen")
    deadline = (challenge.ends_at or utcnow()).strftime("%d.%m.%Y")
    await expect(page.locator("#challenge-deadline")).to_contain_text(f"bis {deadline}")
    await expect(page.get_by_role("button", name="Für 1.500 Punkte einreichen")).to_be_visible()

    await page.goto(f"{live_server.base_url}/profile")
    await page.get_by_label("Sprache").select_option("en")
    await page.get_by_role("button", name="Profil speichern").click()
    await expect(page.locator("#flashes")).to_contain_text("Your profile is saved.")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await page.goto(f"{live_server.base_url}/")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Greta")
    await expect(page.locator("#balance-current")).to_have_text("4,075")
    await page.goto(f"{live_server.base_url}/challenges/{challenge.id}")
    await expect(page.get_by_role("button", name="Submit for 1,500 points")).to_be_visible()


async def test_a_german_advocate_in_berlin_walks_home_challenges_rewards_and_a_referral(
    live_server: LiveServer, open_page: OpenPage
) -> None:
    tag = uuid.uuid4().hex[:6]
    ends_at = (utcnow() + timedelta(days=10)).replace(hour=17, minute=30, second=0, microsecond=0)
    async with live_server.session() as session:
        advocate = await make_user(session, name="Jonas Weber", email=f"jonas-{tag}@example.de")
        advocate.language = "de"
        advocate.time_zone = "Europe/Berlin"
        await give_points(session, advocate, 2300)
        challenge = await make_challenge(
            session,
            title=f"Share our launch post {tag}",
            ends_at=ends_at,
            translations={"de": {"title": f"Teilen Sie unseren Launch-Beitrag {tag}"}},
        )
        reward = await make_reward(
            session,
            title=f"Acme hoodie {tag}",
            cost=1500,
            translations={"de": {"title": f"Acme-Kapuzenpullover {tag}"}},
        )

    page = await open_page()
    await (await LoginPage(page).open()).sign_in_expecting_home(advocate.email, PASSWORD)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Willkommen, Jonas")
    await expect(page.locator("#balance-current")).to_have_text("2.300")

    await (
        page.get_by_role("navigation", name="Hauptmenü")
        .get_by_role("link", name="Challenges")
        .click()
    )
    card = page.get_by_role("link", name=f"Teilen Sie unseren Launch-Beitrag {tag}")
    await card.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Teilen Sie unseren Launch-Beitrag {tag}"
    )
    berlin = ends_at.astimezone(ZoneInfo("Europe/Berlin"))
    deadline = page.locator("#challenge-deadline")
    await expect(deadline).to_contain_text(berlin.strftime("%d.%m.%Y"))
    await expect(deadline).to_contain_text(berlin.strftime("%H:%M"))
    assert challenge.id is not None

    await (
        page.get_by_role("navigation", name="Hauptmenü").get_by_role("link", name="Prämien").click()
    )
    card = page.locator(".reward-card", has_text=f"Acme-Kapuzenpullover {tag}")
    await expect(card).to_contain_text("1.500 Punkte")
    await expect(page.locator("main")).not_to_contain_text(f"Acme hoodie {tag}")
    assert reward.id is not None

    await page.goto(f"{live_server.base_url}/referrals/new")
    await page.get_by_label("Name der Person").fill("Jana Beispiel")
    await page.get_by_label("E-Mail-Adresse der Person").fill(f"jana-{tag}@beispiel.de")
    await page.get_by_label("Firma").fill("Beispiel GmbH")
    await page.get_by_role("button", name="Empfehlung senden").click()
    await expect(page.locator("#flashes")).to_contain_text(
        "Danke, dass Sie Jana Beispiel empfohlen haben!"
    )
    await expect(page.locator("html")).to_have_attribute("lang", "de")
