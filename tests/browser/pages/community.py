"""The Community pages: starting a topic, a topic with its replies and their buttons."""

from playwright.async_api import Locator, Page, expect

from tests.browser.pages.layout import Layout, field


class CommunityPage(Layout):
    async def open(self) -> "CommunityPage":
        await self.main_nav.get_by_role("link", name="Community", exact=True).click()
        await expect(self.heading).to_have_text("Community")
        return self

    async def start_topic(self, *, category: str, title: str, body: str) -> "TopicPage":
        await self.page.get_by_role("link", name="Start a topic").click()
        await field(self.page, "Category").select_option(label=category)
        await field(self.page, "Title").fill(title)
        await field(self.page, "What would you like to say?").fill(body)
        await self.page.get_by_role("button", name="Post the topic").click()
        await expect(self.heading).to_have_text(title)
        return TopicPage(self.page)

    async def choose(self, title: str) -> "TopicPage":
        await self.page.get_by_role("link", name=title).click()
        await expect(self.heading).to_have_text(title)
        return TopicPage(self.page)


class TopicPage(Layout):
    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.posts = page.locator("#posts > li")

    def post_by(self, author: str) -> Locator:
        return self.posts.filter(has=self.page.locator(".post-author", has_text=author))

    async def reply(self, text: str) -> None:
        await field(self.page, "Your reply").fill(text)
        await self.page.get_by_role("button", name="Post reply").click()
        await expect(self.posts.filter(has_text=text)).to_be_visible()

    async def mark_as_answer(self, author: str) -> None:
        await self.post_by(author).get_by_role("button", name="Mark as answer").click()
        await self.expect_flash("Marked as the answer.")
