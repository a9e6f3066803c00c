"""An advocate who reads German sees Home and a challenge in German, with German numbers and
dates; choosing English in the profile switches the pages."""

import uuid
from datetime import timedelta

import pytest
from playwright.async_api import expect

from portal.challenges.models import ChallengeType
from portal.clock import utcnow
from tests.browser.conftest import LiveServer, OpenPage
from tests.browser.pages import LoginPage
from tests.factories import PASSWORD, give_points, make_challenge, make_user

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
