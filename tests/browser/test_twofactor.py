"""Turning on two-factor sign-in from the profile and signing in with a code, in chromium: the
code comes from the key the page shows, as an authenticator app would make it."""

import re
import uuid
from datetime import timedelta

import pyotp
import pytest
from playwright.async_api import Page, expect

from portal.auth import service as auth
from portal.clock import utcnow
from portal.people.models import Role
from tests.browser.conftest import LiveServer
from tests.browser.pages import LoginPage
from tests.browser.pages.layout import field

PASSWORD = "a-strong-marketer-password"


@pytest.mark.browser
async def test_turn_on_two_factor_then_sign_in_with_a_code(
    page: Page, live_server: LiveServer
) -> None:
    email = f"maya-{uuid.uuid4().hex[:8]}@example.com"
    async with live_server.session() as session:
        await auth.create_user(
            session,
            email=email,
            display_name="Maya Marketer",
            roles=(Role.MARKETER,),
            password=PASSWORD,
        )
    login = await LoginPage(page).open()
    await login.sign_in(email, PASSWORD)
    await expect(login.user_name).to_have_text("Maya Marketer")

    await page.goto("/profile")
    await page.get_by_role("link", name="Turn on two-factor sign-in").click()
    await expect(login.heading).to_have_text("Turn on two-factor sign-in")
    await expect(page.get_by_role("img", name="QR code of your two-factor key")).to_be_visible()
    key = re.sub(r"\s", "", await page.locator("#two-factor-key").inner_text())
    totp = pyotp.TOTP(key)
    await field(page, "Code from the app").fill(totp.at(utcnow()))
    await page.get_by_role("button", name="Turn on").click()

    await expect(login.heading).to_have_text("Two-factor sign-in is on")
    codes = page.locator("#recovery-codes li")
    await expect(codes).to_have_count(10)
    await page.get_by_role("link", name="I've saved them").click()
    await expect(page.locator("#two-factor")).to_contain_text("On")

    await page.goto("/")
    await login.sign_out()
    await login.open()
    await login.sign_in(email, PASSWORD)
    await expect(login.heading).to_have_text("Enter your code")
    # The next time step's code: the one used to turn it on is spent (one step of drift passes).
    await field(page, "Code").fill(totp.at(utcnow() + timedelta(seconds=30)))
    await page.get_by_role("button", name="Sign in").click()
    await expect(login.user_name).to_have_text("Maya Marketer")
