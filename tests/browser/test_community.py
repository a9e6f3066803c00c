"""An advocate asks in the Community, another replies, the asker marks the reply as the answer,
and the helper sees the points for it in their history; "helpful" and replying update the topic
without reloading it."""

import uuid

import pytest
from playwright.async_api import expect

from tests.browser.conftest import LiveServer, OpenPage
from tests.browser.pages import CommunityPage, LoginPage
from tests.browser.pages.layout import field
from tests.community.helpers import make_category, make_topic
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


async def test_post_reply_mark_as_answer_and_the_helper_earns_points(
    live_server: LiveServer, open_page: OpenPage
) -> None:
    tag = uuid.uuid4().hex[:6]
    title = f"How do I export shipments? {tag}"
    async with live_server.session() as session:
        category = await make_category(session, f"Product tips {tag}")
        asker = await make_user(session, name="Ada Asker", email=f"ada-{tag}@example.com")
        helper = await make_user(session, name="Hal Helper", email=f"hal-{tag}@example.com")

    asker_page = await open_page()
    await (await LoginPage(asker_page).open()).sign_in_expecting_home(asker.email, PASSWORD)
    community = await CommunityPage(asker_page).open()
    topic = await community.start_topic(
        category=category.name, title=title, body="I need a CSV of last month's shipments."
    )

    helper_page = await open_page()
    await (await LoginPage(helper_page).open()).sign_in_expecting_home(helper.email, PASSWORD)
    helper_topic = await (await CommunityPage(helper_page).open()).choose(title)
    await helper_topic.reply("Shipments → Export, then pick the month.")

    await asker_page.reload()
    await topic.mark_as_answer("Hal Helper")
    await expect(topic.post_by("Hal Helper")).to_contain_text("Answer")
    await expect(asker_page.locator("#accepted-answer")).to_contain_text("Shipments → Export")

    await helper_page.goto("/points/")
    history = helper_page.locator("main")
    await expect(history).to_contain_text(f"Your reply answered “{title}”")
    await expect(history).to_contain_text(f"Replied to “{title}”")
    await expect(helper_page.locator(".balance-pill strong")).to_have_text("27")


async def test_helpful_and_a_reply_update_the_topic_without_a_reload(
    live_server: LiveServer, open_page: OpenPage
) -> None:
    tag = uuid.uuid4().hex[:6]
    title = f"Which carrier for pallets? {tag}"
    async with live_server.session() as session:
        category = await make_category(session, f"Shipping {tag}")
        asker = await make_user(session, name="Ada Asker", email=f"ada-{tag}@example.com")
        reader = await make_user(session, name="Rita Reader", email=f"rita-{tag}@example.com")
        await make_topic(session, asker, category, title=title, body="Pallets to Austria.")

    page = await open_page()
    await (await LoginPage(page).open()).sign_in_expecting_home(reader.email, PASSWORD)
    topic = await (await CommunityPage(page).open()).choose(title)
    await page.evaluate("window.sameDocument = true")  # gone if the page reloads

    helpful = topic.post_by("Ada Asker").locator(".helpful-button")
    await helpful.click()
    await expect(helpful).to_have_attribute("aria-pressed", "true")
    await expect(helpful).to_have_text("✓ Helpful · 1")

    await topic.reply("Try the freight forwarder in Linz.")
    await expect(field(page, "Your reply")).to_have_value("")
    assert await page.evaluate("window.sameDocument") is True
    await page.reload()
    await expect(topic.post_by("Rita Reader")).to_contain_text("freight forwarder in Linz")
    await expect(helpful).to_have_text("✓ Helpful · 1")
