import re

from playwright.async_api import Locator, Page, expect

from tests.browser.pages.layout import Layout, field


class ChallengesPage(Layout):
    async def open(self) -> "ChallengesPage":
        await self.main_nav.get_by_role("link", name="Challenges", exact=True).first.click()
        await expect(self.heading).to_have_text("Challenges")
        return self

    async def choose(self, title: str) -> "ChallengePage":
        await self.page.get_by_role("link", name=title).click()
        await expect(self.heading).to_have_text(title)
        return ChallengePage(self.page)


class ChallengePage(Layout):
    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.box = page.locator("#submission-box")
        self.result = page.locator("#entry-result")

    async def choose_answer(self, question: str, option: str) -> None:
        await self.box.get_by_role("group", name=question).get_by_label(option).check()

    async def answer_text(self, question: str, text: str) -> None:
        await field(self.page, question).fill(text)

    async def submit(self) -> None:
        await self.box.get_by_role("button", name="Submit for").click()


class ManageChallengesPage(Layout):
    async def open(self) -> "ManageChallengesPage":
        await self.manage_menu.click()
        await (
            self.main_nav.locator(".menu-panel")
            .get_by_role("link", name="Challenges", exact=True)
            .click()
        )
        await expect(self.heading).to_have_text("Challenges")
        return self

    async def new(self, kind: str) -> "ChallengeForm":
        """New challenge: step 1 chooses the type, step 2 is the form for it."""
        await self.page.get_by_role("link", name="New challenge").click()
        await expect(self.heading).to_have_text("New challenge")
        await self.page.get_by_role("radio", name=kind).check()
        await self.page.get_by_role("button", name="Continue").click()
        await expect(field(self.page, "Type")).to_have_value(re.compile(".+"))
        return ChallengeForm(self.page)


class ChallengeForm(Layout):
    def question(self, number: int) -> Locator:
        return self.page.locator(f"#question-{number - 1}")

    async def fill(self, **values: str) -> None:
        labels = {"title": "Title", "summary": "Summary (on the card)", "points": "Points"}
        for key, value in values.items():
            await field(self.page, labels[key]).fill(value)

    async def choose(self, label: str, option: str) -> None:
        await field(self.page, label).select_option(label=option)

    async def write_question(
        self, number: int, text: str, kind: str, options: list[str] | None = None
    ) -> None:
        row = self.question(number)
        await row.get_by_label(f"Question {number}").fill(text)
        await row.get_by_label("Answer").select_option(label=kind)
        if options:
            await row.get_by_label("Options, one per line").fill("\n".join(options))

    async def add_question(self) -> None:
        count = await self.page.locator(".question-row").count()
        await self.page.get_by_role("button", name="Add a question").click()
        await expect(self.page.locator(".question-row")).to_have_count(count + 1)

    async def save(self) -> None:
        await self.page.get_by_role("button", name="Save challenge").click()


class ApprovalsPage(Layout):
    async def open(self) -> "ApprovalsPage":
        await self.open_manage("Approvals")
        await expect(self.heading).to_have_text("Approvals")
        return self

    def entry(self, advocate: str) -> Locator:
        return self.page.locator("#approval-queue li.card", has_text=advocate)

    async def approve(self, advocate: str) -> None:
        await self.entry(advocate).get_by_role("button", name="Approve", exact=True).click()
