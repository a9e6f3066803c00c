"""The pipeline board in a browser: it fits a 1280 px window with every stage filled, the card's
Move menu moves it, and a won referral moves back only after a reason is given."""

import secrets
from dataclasses import dataclass

import pytest
from playwright.async_api import Page, ViewportSize, expect

from portal.people.models import Role
from portal.referrals import service as referrals
from portal.referrals.models import PIPELINE, CloseReason, Stage
from tests.browser.conftest import LiveServer, OpenPage
from tests.browser.pages import LoginPage, PipelinePage
from tests.factories import PASSWORD, make_referral, make_user


@dataclass(frozen=True)
class Scene:
    rep_email: str
    tag: str


async def _scene(server: LiveServer) -> Scene:
    """A rep and one long-named referral in every stage (the won one with a deal value)."""
    tag = secrets.token_hex(4)
    async with server.session() as session:
        rep = await make_user(
            session, name="Sam Seller", email=f"sam-{tag}@example.com", roles=(Role.SALES,)
        )
        ada = await make_user(
            session, name="Ada Advocate", email=f"ada-{tag}@example.com", roles=(Role.ADVOCATE,)
        )
        for stage in [*PIPELINE, Stage.LOST, Stage.REJECTED]:
            referral = await make_referral(
                session,
                ada,
                name=f"{stage.label} Maximilian Longname-Hargreaves {tag}",
                company=f"International Consolidated Widgets Holdings {tag}",
            )
            loaded = await referrals.access_referral(session, referral.id)
            if stage != Stage.SUBMITTED:
                reason = CloseReason.NOT_A_FIT if stage.is_closed else None
                await referrals.move_referral(session, loaded, to=stage, actor=rep, reason=reason)
            if stage == Stage.WON:
                await referrals.set_deal_value(session, loaded, value=1_250_000, actor=rep)
    return Scene(rep_email=rep.email, tag=tag)


async def _board(open_page: OpenPage, scene: Scene, width: int = 1280) -> PipelinePage:
    page: Page = await open_page(ViewportSize(width=width, height=800))
    await (await LoginPage(page).open()).sign_in_expecting_home(scene.rep_email, PASSWORD)
    return await PipelinePage(page).open()


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
async def test_the_board_fits_the_window_with_closed_columns_folded(
    open_page: OpenPage, live_server: LiveServer, width: int
) -> None:
    scene = await _scene(live_server)
    board = await _board(open_page, scene, width)
    page = board.page
    for stage in PIPELINE:
        await expect(
            board.card(f"{stage.label} Maximilian Longname-Hargreaves {scene.tag}")
        ).to_be_visible()
    won = board.card(f"Won Maximilian Longname-Hargreaves {scene.tag}")
    await expect(won.locator(".pipeline-card-deal")).to_have_text("$1,250,000")
    assert await page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
    last = await board.column("Won").bounding_box()
    assert last is not None
    assert last["x"] + last["width"] <= width, "the Won column runs off the window"

    lost = board.card(f"Lost Maximilian Longname-Hargreaves {scene.tag}")
    await expect(lost).to_be_hidden()
    await page.locator("#column-lost > summary").click()
    await expect(lost).to_be_visible()
    assert await page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")


@pytest.mark.browser
async def test_the_move_menu_moves_a_card(open_page: OpenPage, live_server: LiveServer) -> None:
    scene = await _scene(live_server)
    board = await _board(open_page, scene)
    name = f"Submitted Maximilian Longname-Hargreaves {scene.tag}"
    await board.move(name, "Contacted")
    await expect(board.column("Submitted").locator(".pipeline-card", has_text=name)).to_have_count(
        0
    )


@pytest.mark.browser
async def test_moving_a_won_referral_back_asks_for_a_reason(
    open_page: OpenPage, live_server: LiveServer
) -> None:
    scene = await _scene(live_server)
    board = await _board(open_page, scene)
    name = f"Won Maximilian Longname-Hargreaves {scene.tag}"
    card = await board.choose_move(name, "Opportunity")
    await expect(card.get_by_role("heading")).to_have_text(f"Move {name} back from Won?")
    await card.get_by_role("button", name="Move back to Opportunity").click()
    await expect(card.locator(".field-error")).to_contain_text("Say why")
    await expect(board.column("Won").locator(".pipeline-card", has_text=name)).to_be_visible()

    await card.get_by_label("Why is it moving back?").fill("The customer's legal team said no.")
    await card.get_by_role("button", name="Move back to Opportunity").click()
    moved = board.column("Opportunity").locator(".pipeline-card", has_text=name)
    await expect(moved).to_be_visible()
    await moved.get_by_role("link", name=name).click()
    await expect(board.page.locator(".history")).to_contain_text(
        "The customer's legal team said no."
    )


@pytest.mark.browser
async def test_a_card_dragged_to_another_column_moves_there(
    open_page: OpenPage, live_server: LiveServer
) -> None:
    scene = await _scene(live_server)
    board = await _board(open_page, scene)
    # Only this scene's cards: other tests' referrals on the shared server make the columns so
    # long that the drop lands off-screen.
    await board.page.goto(f"{board.page.url.split('?')[0]}?q={scene.tag}")
    name = f"Contacted Maximilian Longname-Hargreaves {scene.tag}"
    await board.card(name).drag_to(board.column("Qualified"))
    await expect(board.column("Qualified").locator(".pipeline-card", has_text=name)).to_be_visible()
    await expect(board.column("Contacted").locator(".pipeline-card", has_text=name)).to_have_count(
        0
    )
