"""Manage → Content (the upload form and the list) and the advocate's Content pages."""

from pathlib import Path

from playwright.async_api import Page, expect

from tests.browser.pages.layout import Layout, field


class ManageContentPage(Layout):
    path = "/manage/content/"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.add_button = page.get_by_role("link", name="Add content")
        self.table = page.locator("#asset-table")

    async def open_from_menu(self) -> "ManageContentPage":
        await self.manage_menu.click()
        await self.main_nav.locator(".menu-panel").get_by_role("link", name="Content").click()
        await expect(self.heading).to_have_text("Content")
        await expect(self.add_button).to_be_visible()
        return self

    async def add_file(self, *, title: str, file: Path, category: str) -> None:
        await self.add_button.click()
        await expect(self.heading).to_have_text("Add content")
        await field(self.page, "Title").fill(title)
        await field(self.page, "Category").fill(category)
        await self.page.locator("#f-file").set_input_files(file)
        await self.page.get_by_role("button", name="Add content").click()
        await self.expect_flash(f"“{title}” added and published.")
        await expect(self.table).to_contain_text(title)


class ContentPage(Layout):
    path = "/content/"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.grid = page.locator("#content-grid")

    async def open_from_nav(self) -> "ContentPage":
        await self.main_nav.get_by_role("link", name="Content", exact=True).first.click()
        await expect(self.heading).to_have_text("Content")
        return self

    async def open_asset(self, title: str) -> "AssetPage":
        await self.grid.get_by_role("link", name=title).click()
        await expect(self.heading).to_have_text(title)
        return AssetPage(self.page)


class AssetPage(Layout):
    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.video = page.locator("video#asset-video")
        self.watch_status = page.locator("#watch-status")

    async def play_to_the_end(self) -> None:
        """Plays the video muted (autoplay rules allow that without a click)."""
        await expect(self.video).to_be_visible()
        await self.video.evaluate("video => { video.muted = true; return video.play(); }")

    async def skip_to_the_end(self) -> None:
        """Starts the video, then drags the playhead near its end and lets it finish."""
        await expect(self.video).to_be_visible()
        await self.video.evaluate(
            """async video => {
                video.muted = true;
                await video.play();
                video.currentTime = 1.8;
                await new Promise(resolve => video.addEventListener("ended", resolve));
            }"""
        )
