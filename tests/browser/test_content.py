"""A marketer uploads a training video; watching it to the end earns the points once."""

from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from portal.content import samples
from portal.content.samples import TEST_VIDEO
from tests.browser.pages import ContentPage, ManageContentPage


@pytest.mark.browser
async def test_upload_a_training_video_watch_it_and_see_the_points(
    admin_page: Page, tmp_path: Path
) -> None:
    page = admin_page
    fact_sheet = tmp_path / "Acme fact sheet.pdf"
    fact_sheet.write_bytes(samples.pdf("Acme fact sheet"))
    manage = await ManageContentPage(page).open_from_menu()
    await manage.add_file(title="Welcome to Acme", file=TEST_VIDEO, category="Training")
    await manage.add_file(title="Acme fact sheet", file=fact_sheet, category="Fact sheets")

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

    # A download leaves the page where it is; the card catches up by itself.
    sheet = library.grid.locator(".asset-card", has_text="Acme fact sheet")
    await expect(sheet).to_contain_text("+10 points")
    async with page.expect_download() as download:
        await sheet.get_by_role("link", name="Download").click()
    assert (await download.value).suggested_filename == "Acme fact sheet.pdf"
    await expect(sheet).to_contain_text("✓ Used")


@pytest.mark.browser
async def test_skipping_to_the_end_of_a_video_earns_nothing(admin_page: Page) -> None:
    page = admin_page
    manage = await ManageContentPage(page).open_from_menu()
    await manage.add_file(title="Skippable", file=TEST_VIDEO, category="Training")
    video_page = await (await ContentPage(page).open_from_nav()).open_asset("Skippable")

    await video_page.skip_to_the_end()

    await expect(video_page.watch_status).to_contain_text("You have watched")
    await expect(video_page.watch_status).to_contain_text("Watch to the end to earn +25 points")
    await page.reload()
    await expect(video_page.watch_status).not_to_contain_text("✓ Watched")
