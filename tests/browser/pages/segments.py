"""Manage → People → Invite many (the list, its preview and progress) and Manage → Groups →
New segment (rules, preview, the saved group)."""

from pathlib import Path

from playwright.async_api import Page, expect

from tests.browser.pages.layout import Layout


class InviteManyPage(Layout):
    path = "/manage/people/invite-many"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.file = page.get_by_label("A CSV file")
        self.check = page.get_by_role("button", name="Check the list")
        self.progress = page.locator("#bulk-progress")
        self.problems = page.locator("#problem-rows tbody tr")

    async def upload(self, csv_file: Path) -> None:
        await expect(self.heading).to_have_text("Invite many")
        await self.file.set_input_files(csv_file)
        await self.check.click()
        await expect(self.progress).to_contain_text("Ready to invite")

    async def send(self, count: int) -> None:
        await self.page.get_by_role("button", name=f"Invite {count} people").click()
        await expect(self.progress).to_contain_text(f"{count} of {count} invited", timeout=30_000)


class SegmentPage(Layout):
    path = "/manage/segments/new"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.name = page.get_by_label("Name")
        self.preview = page.locator("#segment-preview")
        self.count = page.locator("#segment-count")

    async def add_rule(self, row: int, *, kind: str, value: str) -> None:
        await self.page.get_by_label(f"Rule {row + 1}", exact=True).select_option(label=kind)
        await self.page.get_by_label(f"Rule {row + 1}: value").fill(value)

    async def press(self, button: str) -> None:
        await self.page.get_by_role("button", name=button).click()
