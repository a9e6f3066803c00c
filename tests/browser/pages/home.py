import re

from playwright.async_api import Page, expect

from tests.browser.pages.layout import Layout

HOME_URL = re.compile(r"^https?://[^/]+/$")


class HomePage(Layout):
    path = "/"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.cards = page.locator(".home-grid > .card")
        self.advocate_home = page.get_by_role("link", name="Your advocate Home")

    async def open(self) -> "HomePage":
        await self.page.goto(self.path)
        await expect(self.heading).to_contain_text("Welcome, ")
        return self

    async def expect_signed_in_as(self, name: str) -> None:
        """The home page, greeting the person by first name, with their name in the user menu."""
        await expect(self.page).to_have_url(HOME_URL)
        await expect(self.heading).to_have_text(f"Welcome, {name.split()[0]}")
        await expect(self.user_name).to_have_text(name)
