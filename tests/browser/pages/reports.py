from playwright.async_api import Download, Page, expect

from tests.browser.pages.layout import Layout


class ReportsPage(Layout):
    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.period = page.locator("#report-period")

    async def open(self) -> "ReportsPage":
        await self.open_manage("Reports")
        await expect(self.heading).to_have_text("Reports")
        return self

    async def open_tab(self, name: str) -> None:
        """Another report page through its tab (the chosen period and group go along)."""
        tab = self.page.get_by_role("navigation", name="Reports").get_by_role(
            "link", name=name, exact=True
        )
        await tab.click()
        await expect(tab).to_have_attribute("aria-current", "page")

    def figure(self, key: str) -> "Figure":
        return Figure(self.page, key)

    async def show(self, *, period: str, group: str) -> None:
        await self.page.get_by_label("Period").select_option(label=period)
        await self.page.get_by_label("Advocates").select_option(label=group)
        await self.page.get_by_role("button", name="Show").click()

    async def download_csv(self, table: str) -> Download:
        async with self.page.expect_download() as download:
            await (
                self.page.locator(f"#{table}-table")
                .locator("xpath=ancestor::div[contains(@class,'card')]")
                .get_by_role("link", name="Download CSV")
                .click()
            )
        return await download.value


class Figure:
    def __init__(self, page: Page, key: str) -> None:
        self.value = page.locator(f"#figure-{key} .stat-value")
        self.change = page.locator(f"#figure-{key} .change")
