"""Referrals: the advocate's Refer a friend form and My referrals, and the sales pipeline."""

import re

from playwright.async_api import Locator, Page, expect

from tests.browser.pages.layout import Layout, field


class ReferFriendPage(Layout):
    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.name = field(page, "Their name")
        self.email = field(page, "Their email")
        self.company = field(page, "Company")
        self.job_title = field(page, "Job title")
        self.note = field(page, "A note for our sales team")
        self.submit = page.get_by_role("button", name="Send referral")

    async def refer(self, *, name: str, email: str, company: str, note: str = "") -> None:
        await self.name.fill(name)
        await self.email.fill(email)
        await self.company.fill(company)
        await self.note.fill(note)
        await self.submit.click()


class ReferralPage(Layout):
    """One of the advocate's referrals, with its timeline."""

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.stage = page.locator("#referral-stage")
        self.timeline = page.locator(".timeline")

    def step(self, stage: str) -> Locator:
        return self.timeline.locator(".timeline-step", has_text=stage)


class MyReferralsPage(Layout):
    path = "/referrals/"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.refer_button = page.locator(".page-header").get_by_role("link", name="Refer a friend")
        self.share_link = page.get_by_role("textbox", name="Your personal link")
        self.qr_code = page.get_by_role("img", name="QR code of your personal link")

    async def open(self) -> "MyReferralsPage":
        await self.main_nav.get_by_role("link", name="Referrals", exact=True).click()
        await expect(self.heading).to_have_text("My referrals")
        return self

    async def start_referral(self) -> ReferFriendPage:
        await self.refer_button.click()
        form = ReferFriendPage(self.page)
        await expect(form.heading).to_have_text("Refer a friend")
        return form

    def card(self, name: str) -> Locator:
        return self.page.locator(".referral-card", has_text=name)


class PipelinePage(Layout):
    path = "/pipeline/"

    def __init__(self, page: Page) -> None:
        super().__init__(page)

    async def open(self) -> "PipelinePage":
        await self.main_nav.get_by_role("link", name="Pipeline", exact=True).click()
        await expect(self.heading).to_have_text("Referral pipeline")
        return self

    def column(self, stage: str) -> Locator:
        return self.page.get_by_role("region", name=stage, exact=True)

    def card(self, name: str) -> Locator:
        return self.page.locator(".pipeline-card", has_text=name)

    async def claim(self, name: str) -> None:
        await self.card(name).get_by_role("button", name="Claim").click()
        await self.expect_flash(f"{name} is yours.")

    async def choose_move(self, name: str, stage: str) -> Locator:
        """Opens the card's Move menu, picks the stage and submits; the card it leaves behind."""
        card = self.card(name)
        await card.locator("summary", has_text="Move").click()
        await card.get_by_label(re.compile(r"^Move .* to$")).select_option(label=stage)
        await card.get_by_role("button", name="Move", exact=True).click()
        return card

    async def move(self, name: str, stage: str) -> None:
        await self.choose_move(name, stage)
        await expect(self.column(stage).locator(".pipeline-card", has_text=name)).to_be_visible()
