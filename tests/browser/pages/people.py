"""Manage → People: the list, and the invitation form."""

from playwright.async_api import Page, expect

from tests.browser.pages.layout import Layout, field


class PeoplePage(Layout):
    path = "/manage/people/"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.invite_button = page.get_by_role("link", name="Invite someone")
        self.table = page.locator("#people-table")

    async def open(self) -> "PeoplePage":
        await self.page.goto(self.path)
        await self.expect_loaded()
        return self

    async def expect_loaded(self) -> None:
        await expect(self.heading).to_have_text("People")

    async def start_invitation(self) -> "InvitePage":
        await self.invite_button.click()
        invite = InvitePage(self.page)
        await expect(invite.heading).to_have_text("Invite someone")
        return invite


class InvitePage(Layout):
    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.name = field(page, "Name")
        self.email = field(page, "Email")
        self.roles = page.get_by_role("group", name="Role")
        self.submit = page.get_by_role("button", name="Send invitation")

    async def invite(self, *, name: str, email: str, role: str = "Advocate") -> PeoplePage:
        """Fills the form with one role ticked, sends it, and is back on the people list."""
        await self.name.fill(name)
        await self.email.fill(email)
        for checkbox in await self.roles.get_by_role("checkbox").all():
            await checkbox.uncheck()
        await self.roles.get_by_role("checkbox", name=role, exact=True).check()
        await self.submit.click()
        people = PeoplePage(self.page)
        await people.expect_loaded()
        return people
