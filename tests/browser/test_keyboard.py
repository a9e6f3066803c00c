"""Keyboard use: the focus ring stands out at least 3:1 wherever focus lands, focus goes to the
first error after a refused submit and to the new content after an htmx update, and a referral
and a redemption go through with the keyboard alone."""

import re
import uuid

import pytest
from playwright.async_api import Page, expect

from portal.points import service as points
from tests.browser.conftest import LiveServer, OpenPage, sign_in_as_admin
from tests.browser.pages import LoginPage
from tests.factories import PASSWORD, give_points, make_reward, make_user

pytestmark = pytest.mark.browser

# The element that has the focus, its ring (outline) and the colour behind the ring: the first
# ancestor that paints a background (the ring sits just outside the element).
FOCUS_RING = """() => {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    let behind = element.parentElement, background = "rgb(255, 255, 255)";
    while (behind) {
        const colour = getComputedStyle(behind).backgroundColor;
        if (colour !== "rgba(0, 0, 0, 0)") { background = colour; break; }
        behind = behind.parentElement;
    }
    return {
        name: element.tagName + " " + (element.id || element.textContent.trim().slice(0, 30)),
        ring: style.outlineStyle === "none" ? null : style.outlineColor,
        width: parseFloat(style.outlineWidth),
        background,
    };
}"""
FOCUSED_ID = "() => document.activeElement.id"


def luminance(css_colour: str) -> float:
    """WCAG relative luminance of an `rgb(...)`/`rgba(...)` colour."""
    red, green, blue = (int(part) / 255 for part in re.findall(r"[\d.]+", css_colour)[:3])

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_follows_wcag() -> None:
    assert contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)") == pytest.approx(21)
    assert contrast("rgb(238, 240, 255)", "rgb(255, 255, 255)") < 1.2  # the old ring


async def weak_focus_rings(page: Page, stops: int) -> list[str]:
    """From the focused element (or the top of the page), tabs `stops` times (the page must have
    that many stops); every stop whose ring is missing, thinner than 2 px or under 3:1 against
    what is behind it."""
    weak = []
    for stop in range(stops + 1):
        focus = await page.evaluate(FOCUS_RING)
        await page.keyboard.press("Tab")
        if focus["name"].startswith("BODY"):
            assert stop == 0, f"{page.url} has only {stop} stops"
            continue
        ratio = contrast(focus["ring"], focus["background"]) if focus["ring"] else 0
        if ratio < 3 or focus["width"] < 2:
            weak.append(f"{focus['name']}: {focus['ring']} on {focus['background']} = {ratio:.1f}")
    return weak


async def test_the_focus_ring_stands_out_on_every_stop(page: Page, live_server: LiveServer) -> None:
    login = await LoginPage(page).open()
    assert not await weak_focus_rings(page, 3)  # from the email field: password, button, link
    await sign_in_as_admin(page, live_server)
    # The skip link, the brand, the navigation, Manage, the bell, the account menu, Home's tiles.
    await page.goto("/")
    assert not await weak_focus_rings(page, 12)
    await login.page.goto("/manage/rewards/new")
    assert not await weak_focus_rings(page, 18)


async def test_a_refused_manage_form_puts_the_focus_on_the_first_field_in_error(
    admin_page: Page,
) -> None:
    await admin_page.goto("/manage/rewards/new")
    await admin_page.get_by_role("button", name=re.compile("^(Save|Create)")).click()
    first_error = admin_page.locator('[aria-invalid="true"]').first
    await expect(first_error).to_be_focused()


async def tab_to(page: Page, element_id: str, limit: int = 40) -> None:
    """Presses Tab until the element with `element_id` has the focus."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate(FOCUSED_ID) == element_id:
            return
    pytest.fail(f"#{element_id} was not reached in {limit} tabs")


async def test_a_referral_goes_through_with_the_keyboard_only(
    open_page: OpenPage, live_server: LiveServer
) -> None:
    tag = uuid.uuid4().hex[:6]
    async with live_server.session() as session:
        advocate = await make_user(session, name="Kai Keys", email=f"kai-{tag}@example.com")
    page = await open_page()
    await (await LoginPage(page).open()).sign_in_expecting_home(advocate.email, PASSWORD)
    await page.goto("/referrals/new")

    await tab_to(page, "f-name")
    await tab_to(page, "f-email", limit=1)
    await page.keyboard.type("not an address")
    await page.keyboard.press("Enter")  # submits the form, which is refused
    # htmx swapped the form in again; the focus is on its first field in error.
    await expect(page.locator("#f-name")).to_be_focused()
    await expect(page.locator("#f-name")).to_have_attribute("aria-invalid", "true")

    await page.keyboard.type(f"Lena Lead {tag}")
    # The campaign choice is there while some campaign runs (other tests may have started one).
    campaign = [("f-campaign", None)] if await page.locator("#f-campaign").count() else []
    for field_id, text in [
        ("f-email", f"lena-{tag}@globex.example"),
        ("f-company", "Globex"),
        ("f-job_title", "CTO"),
        ("f-phone", ""),
        *campaign,
        ("f-note", "Met at the user group."),
    ]:
        await tab_to(page, field_id, limit=1)
        if text is not None:
            await page.keyboard.press("Control+A")
            await page.keyboard.type(text)
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Send referral")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("main")).to_contain_text(f"Lena Lead {tag}")
    await page.goto("/referrals/")
    await expect(page.locator("main")).to_contain_text(f"Lena Lead {tag}")


async def test_a_reward_is_redeemed_with_the_keyboard_only(
    open_page: OpenPage, live_server: LiveServer
) -> None:
    tag = uuid.uuid4().hex[:6]
    async with live_server.session() as session:
        advocate = await make_user(session, name="Kit Keys", email=f"kit-{tag}@example.com")
        await give_points(session, advocate, 800)
        await make_reward(session, title=f"Mug {tag}", cost=500)
    page = await open_page()
    await (await LoginPage(page).open()).sign_in_expecting_home(advocate.email, PASSWORD)
    await page.goto("/rewards/")

    reward = page.get_by_role("link", name=f"Mug {tag}")
    for _ in range(60):
        await page.keyboard.press("Tab")
        if await reward.evaluate("link => link === document.activeElement"):
            break
    await expect(reward).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Mug {tag}")

    for field_id, text in [
        ("f-name", "Kit Keys"),
        ("f-street", "Main Street 1"),
        ("f-city", "Springfield"),
        ("f-postal_code", "12345"),
        ("f-country", "USA"),
    ]:
        await tab_to(page, field_id)
        await page.keyboard.type(text)
    redeem = page.get_by_role("button", name="Redeem for 500 points")
    for _ in range(5):
        await page.keyboard.press("Tab")
        if await redeem.evaluate("button => button === document.activeElement"):
            break
    await expect(redeem).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("#redemption-status")).to_have_text("requested")
    async with live_server.session() as session:
        assert (await points.balance_of(session, advocate)).current == 300


async def test_an_htmx_update_puts_the_focus_on_the_new_content(
    open_page: OpenPage, live_server: LiveServer
) -> None:
    tag = uuid.uuid4().hex[:6]
    async with live_server.session() as session:
        advocate = await make_user(session, name="Tia Tabs", email=f"tia-{tag}@example.com")
    page = await open_page()
    await (await LoginPage(page).open()).sign_in_expecting_home(advocate.email, PASSWORD)
    await page.goto("/challenges/")
    completed = page.locator(".tabs").get_by_role("link", name="Completed")
    await completed.focus()
    await page.keyboard.press("Enter")
    await expect(page.locator(".tabs [aria-current=page]")).to_have_text("Completed")
    await expect(page.locator("#challenge-list")).to_be_focused()
