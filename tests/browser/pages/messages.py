"""Manage → Messages: composing a broadcast and following its counts; an advocate's copy."""

from playwright.async_api import Locator, Page, expect

from tests.browser.pages.layout import Layout, field


class ComposePage(Layout):
    path = "/manage/messages/new"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.preview_subject = page.locator("#preview-subject")
        self.preview_reach = page.locator("#preview-reach")

    async def open(self) -> "ComposePage":
        await self.page.goto(self.path)
        await expect(self.heading).to_have_text("New message")
        return self

    async def write(self, *, subject: str, body: str, group: str) -> None:
        await field(self.page, "Subject").fill(subject)
        await field(self.page, "Message").fill(body)
        await self.page.get_by_label("Members of the ticked groups").check()
        await self.page.get_by_label(group, exact=True).check()

    async def preview_as(self, email: str) -> None:
        await field(self.page, "Preview as").fill(email)
        await self.page.get_by_role("button", name="Preview").click()

    async def send(self) -> "BroadcastPage":
        await self.page.get_by_role("button", name="Send", exact=True).click()
        return BroadcastPage(self.page)


class BroadcastPage(Layout):
    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.status = page.locator("#broadcast-status")

    def stat(self, name: str) -> Locator:
        return self.page.locator(f"#stat-{name} .stat-value")
