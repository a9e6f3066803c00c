"""What every page shares: the top bar with its Manage and user menus, and the flashes."""

import re

from playwright.async_api import Locator, Page, expect


def field(page: Page, label: str) -> Locator:
    """The input labelled `label` (a required field's label ends in an `*` for the eye only)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


class Layout:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.heading = page.get_by_role("heading", level=1)
        self.topbar = page.locator("header.topbar")
        self.flashes = page.locator("#flashes")
        self.main_nav = page.get_by_role("navigation", name="Main")
        self.manage_menu = self.main_nav.locator("summary", has_text="Manage")
        self.user_menu = page.locator(".usermenu > summary")
        self.user_name = page.locator(".usermenu-name")
        self.sign_out_button = page.get_by_role("button", name="Sign out")

    async def expect_flash(self, text: str) -> None:
        await expect(self.flashes).to_contain_text(text)

    async def open_manage(self, item: str) -> None:
        """Manage → item (People, Outbox, …)."""
        await self.manage_menu.click()
        await self.main_nav.get_by_role("link", name=item, exact=True).click()

    async def open_user_menu(self) -> None:
        await self.user_menu.click()
        await expect(self.sign_out_button).to_be_visible()

    async def sign_out(self) -> None:
        await self.open_user_menu()
        await self.sign_out_button.click()

    async def expect_no_stack_trace(self) -> None:
        await expect(self.page.locator("body")).not_to_contain_text("Traceback")
