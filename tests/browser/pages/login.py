from playwright.async_api import Page, expect

from tests.browser.pages.home import HOME_URL, HomePage
from tests.browser.pages.layout import Layout, field


class LoginPage(Layout):
    path = "/login"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.email = field(page, "Email")
        self.password = field(page, "Password")
        self.submit = page.get_by_role("button", name="Sign in")
        self.error = page.get_by_role("alert")

    async def open(self) -> "LoginPage":
        await self.page.goto(self.path)
        await expect(self.heading).to_have_text("Sign in")
        return self

    async def sign_in(self, email: str, password: str) -> None:
        await self.email.fill(email)
        await self.password.fill(password)
        await self.submit.click()

    async def sign_in_expecting_home(self, email: str, password: str) -> HomePage:
        await self.sign_in(email, password)
        home = HomePage(self.page)
        await expect(self.page).to_have_url(HOME_URL)
        return home
