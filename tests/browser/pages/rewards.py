from playwright.async_api import Page, expect

from tests.browser.pages.layout import Layout, field


class RewardsPage(Layout):
    async def open(self) -> "RewardsPage":
        await self.main_nav.get_by_role("link", name="Rewards", exact=True).click()
        await expect(self.heading).to_have_text("Rewards")
        return self

    async def choose(self, title: str) -> "RedeemPage":
        await self.page.get_by_role("link", name=title).click()
        await expect(self.heading).to_have_text(title)
        return RedeemPage(self.page)


class RedeemPage(Layout):
    async def redeem_with_shipping(self, **address: str) -> "RedemptionPage":
        labels = {
            "name": "Full name",
            "street": "Street and number",
            "city": "City",
            "postal_code": "Postal code",
            "country": "Country",
        }
        for key, value in address.items():
            await field(self.page, labels[key]).fill(value)
        await self.page.get_by_role("button", name="Redeem for").click()
        page = RedemptionPage(self.page)
        await expect(page.status).to_be_visible()
        return page


class RedemptionPage(Layout):
    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.status = page.locator("#redemption-status")
        self.timeline = page.locator("#redemption-timeline")


class QueuePage(Layout):
    def row(self, advocate: str) -> "QueueRow":
        return QueueRow(self.page, advocate)

    async def act_on_ticked(self, action: str, note: str = "") -> "BulkConfirmPage":
        """Chooses the bulk action for the ticked rows; the next page asks to confirm."""
        await self.page.get_by_label("What to do").select_option(label=action)
        await self.page.get_by_label("Tracking note or reason").fill(note)
        await self.page.get_by_role("button", name="Ticked", exact=True).click()
        return BulkConfirmPage(self.page)


class BulkConfirmPage(Layout):
    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.count = page.locator("#bulk-count")

    async def confirm(self) -> QueuePage:
        await self.page.locator("#bulk-confirm").click()
        return QueuePage(self.page)


class QueueRow:
    def __init__(self, page: Page, advocate: str) -> None:
        self.page = page
        self.row = page.locator("#queue-table tr", has_text=advocate)

    async def approve(self) -> None:
        await self.row.get_by_role("button", name="Approve").click()

    async def tick(self) -> None:
        await self.row.get_by_role("checkbox").check()

    async def fulfil(self, tracking: str) -> None:
        await self.row.get_by_label("Tracking note").fill(tracking)
        await self.row.get_by_role("button", name="Mark fulfilled").click()
