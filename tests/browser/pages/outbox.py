"""Manage → Outbox: the emails the portal wrote, and one email with its links."""

from playwright.async_api import Page, expect

from tests.browser.pages.layout import Layout


class OutboxPage(Layout):
    path = "/manage/outbox/"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.rows = page.locator("#outbox-table tbody tr")

    async def expect_loaded(self) -> None:
        await expect(self.heading).to_have_text("Outbox")

    async def open_email_to(self, address: str) -> "EmailPage":
        """Opens the newest email to this address (the list is newest first)."""
        await self.rows.filter(has_text=address).first.get_by_role("link").click()
        email = EmailPage(self.page)
        await expect(email.to).to_have_text(address)
        return email


class EmailPage(Layout):
    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.to = page.locator("dl.facts dt:text-is('To') + dd")
        self.links = page.locator("h2:text-is('Links in this email') + ul").get_by_role("link")

    async def follow_link(self, number: int = 0) -> None:
        await self.links.nth(number).click()

    async def link(self, number: int = 0) -> str:
        href = await self.links.nth(number).get_attribute("href")
        assert href, "the email has no link"
        return href
