"""Signing in with the wrong password."""

import uuid

import pytest
from playwright.async_api import Page, expect

from tests.browser.pages import LoginPage


@pytest.mark.browser
async def test_failed_login_says_so_keeps_the_email_and_empties_the_password(page: Page) -> None:
    email = f"nobody-{uuid.uuid4().hex[:10]}@example.com"
    login = await LoginPage(page).open()

    await login.sign_in(email, "not-the-password")

    await expect(login.error).to_contain_text("don't match")
    await expect(login.email).to_have_value(email)
    await expect(login.password).to_have_value("")
    await expect(login.password).to_be_focused()
