"""A marketer uploads a training video; watching it to the end earns the points once."""

import pytest
from playwright.async_api import Page, expect

from portal.content.samples import TEST_VIDEO
from tests.browser.pages import ContentPage, ManageContentPage


@pytest.mark.browser
async def test_upload_a_training_video_watch_it_and_see_the_points(admin_page: Page) -> None:
    page = admin_page
    manage = await ManageContentPage(page).open_from_menu()
    await manage.add_file(title="Welcome to Acme", file=TEST_VIDEO, category="Training")

    library = await ContentPage(page).open_from_nav()
    card = library.grid.locator(".asset-card", has_text="Welcome to Acme")
    await expect(card).to_contain_text("+25 points")
    await expect(card.locator(".new-mark")).to_have_text("New")
    video_page = await library.open_asset("Welcome to Acme")
    await expect(video_page.watch_status).to_contain_text("Watch to the end to earn +25 points")

    await video_page.play_to_the_end()

    await expect(video_page.watch_status).to_contain_text("+25 points")
    await expect(video_page.watch_status).to_contain_text("✓ Watched · +25 points earned")

    await page.goto("/points/")
    await expect(page.locator("#ledger")).to_contain_text("Watched “Welcome to Acme”")
    await page.goto("/content/")
    await expect(card).to_contain_text("✓ Watched")
    await expect(card.locator(".new-mark")).to_have_count(0)
