"""Accessibility, as a test: axe-core finds no serious or critical violation on any main page of
any demo role (the navigation, Manage, one page of each kind linked from them) nor on the main
forms showing their errors. A page that fails is kept as a screenshot in the test's tmp_path."""

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from tests.browser.axe import violations
from tests.browser.conftest import ACTION_TIMEOUT_MS, DESKTOP, DemoServer
from tests.browser.pages import LoginPage
from tests.browser.test_phone import DEMO_LOGINS, DEMO_PASSWORD, navigation_links

# Besides the navigation: pages every signed-in person has in the account menu or the bell.
ACCOUNT_PAGES = ["/profile", "/points/", "/notifications/", "/email-settings/"]
# A link below a list page opens one of its items (or a form to make one): /rewards/3,
# /manage/challenges/new. Files, exports and images are not pages.
BELOW = re.compile(r"^(?P<list>/.*/)(?P<item>[^/.]+)/?$")


@pytest_asyncio.fixture
async def axe_page(browser: Browser, demo_server: DemoServer) -> AsyncIterator[Page]:
    """A desktop page whose context lets Playwright add axe despite the portal's CSP."""
    context = await browser.new_context(
        base_url=demo_server.base_url, viewport=DESKTOP, bypass_csp=True
    )
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    yield await context.new_page()
    await context.close()


async def item_links(page: Page, list_path: str) -> list[str]:
    """The paths of the links in the page's main content that open something below it."""
    hrefs: list[str] = await page.evaluate(
        "() => [...document.querySelectorAll('main a[href]')]"
        ".map(a => new URL(a.href)).map(url => url.pathname + url.search)"
    )
    return [
        href  # with its query: some forms need it (/manage/sequences/new?sequence=…)
        for href in dict.fromkeys(hrefs)
        if (match := BELOW.match(href.split("?")[0])) and match["list"] == list_path
    ]


def kind_of(path: str) -> str:
    """/rewards/3 and /rewards/7 are the same kind of page; /rewards/redemptions is another."""
    return re.sub(r"/\d+", "/N", path.split("?")[0])


def one_of_each_kind(links: list[str]) -> list[str]:
    """The first link of each kind; a list of named items (Manage → Emails) counts as one kind
    when it names more than a few."""
    if len({kind_of(link) for link in links}) > 3:
        return links[:1]
    return list({kind_of(link): link for link in reversed(links)}.values())[::-1]


class Walk:
    """Visits pages and collects what axe says about each."""

    def __init__(self, page: Page, tmp_path: Path) -> None:
        self.page = page
        self.tmp_path = tmp_path
        self.failures: list[str] = []

    async def check(self, label: str) -> None:
        found = await violations(self.page)
        if found:
            self.failures.append(f"{label}:\n  " + "\n  ".join(found))
            name = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
            await self.page.screenshot(path=self.tmp_path / f"axe-{name}.png", full_page=True)

    async def visit(self, path: str, label: str) -> None:
        response = await self.page.goto(path)
        assert response is not None, f"{label} ({path}) did not answer"
        assert response.ok, f"{label} ({path}) answered {response.status}"
        await self.page.wait_for_load_state("networkidle")
        await self.check(f"{label} ({path})")


@pytest.mark.browser
@pytest.mark.parametrize("email", DEMO_LOGINS)
async def test_no_main_page_of_any_role_has_a_serious_accessibility_violation(
    axe_page: Page, email: str, tmp_path: Path
) -> None:
    await axe_page.goto("/login")
    await LoginPage(axe_page).sign_in_expecting_home(email, DEMO_PASSWORD)
    walk = Walk(axe_page, tmp_path)
    pages = [*await navigation_links(axe_page), *((path, path) for path in ACCOUNT_PAGES)]
    seen_kinds: set[str] = set()
    below: list[str] = []
    for label, path in pages:
        await walk.visit(path, label)
        list_path = path.split("?")[0]
        for link in one_of_each_kind(await item_links(axe_page, list_path)):
            if kind_of(link) not in seen_kinds:
                seen_kinds.add(kind_of(link))
                below.append(link)
    for path in below:
        await walk.visit(path, "below the navigation")
    assert len(pages) + len(below) >= 12, f"{email} walked only {pages} and {below}"
    assert not walk.failures, f"{email}:\n" + "\n".join(walk.failures)


@pytest.mark.browser
async def test_the_main_forms_showing_their_errors_have_no_serious_accessibility_violation(
    axe_page: Page, tmp_path: Path
) -> None:
    walk = Walk(axe_page, tmp_path)
    login = await LoginPage(axe_page).open()
    await axe_page.get_by_label("Email").fill("nobody@acme.example")
    await axe_page.get_by_label("Password").fill("not-the-password")
    await axe_page.get_by_role("button", name="Sign in").click()
    await expect(axe_page.locator(".form-error")).to_be_visible()
    await walk.check("Sign-in refused")

    await login.open()
    await login.sign_in_expecting_home("marketer@acme.example", DEMO_PASSWORD)
    for path, button, label in [
        ("/referrals/new", "Send referral", "Refer a friend refused"),
        ("/manage/rewards/new", "Save reward", "New reward refused"),
        ("/manage/challenges/new?type=online_review", "Save challenge", "New challenge refused"),
    ]:
        await axe_page.goto(path)
        await axe_page.get_by_role("button", name=button).click()
        await expect(axe_page.locator('[aria-invalid="true"]').first).to_be_visible()
        await walk.check(label)
    assert not walk.failures, "\n".join(walk.failures)
