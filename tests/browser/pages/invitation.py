"""The pages an invitation link opens: the form to set a password, or why the link is dead."""

from playwright.async_api import Page, expect

from tests.browser.pages.layout import Layout, field


class AcceptInvitationPage(Layout):
    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.intro = page.locator(".auth-card p.muted")
        self.name = field(page, "Your name")
        self.password = field(page, "New password")
        self.password_confirm = field(page, "Repeat the password")
        self.submit = page.get_by_role("button", name="Create my account")

    async def expect_for(self, email: str) -> None:
        await expect(self.heading).to_contain_text("Join ")
        await expect(self.intro).to_contain_text(email)

    async def set_password(self, password: str) -> None:
        await self.password.fill(password)
        await self.password_confirm.fill(password)
        await self.submit.click()


class LinkInvalidPage(Layout):
    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.card = page.locator("#link-invalid")

    async def expect_reason(self, reason: str) -> None:
        await expect(self.heading).to_have_text("This link no longer works")
        await expect(self.card).to_contain_text(reason)
        await self.expect_no_stack_trace()
