"""Signing in through each of two single sign-on providers in the browser: the test's own fake
provider (it signs the person straight in) and `oidc-provider-mock`, whose authorization form
the person fills in. Each person lands on their Home, and the first one is told their account
was linked by its email."""

import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import oidc_provider_mock
import pytest
import pytest_asyncio
from playwright.async_api import expect
from sqlalchemy import update

from portal.auth.models import SsoProvider
from tests.browser.conftest import LiveServer, OpenPage
from tests.browser.pages import HomePage, LoginPage
from tests.conftest import free_port
from tests.factories import make_advocate
from tests.oidc_provider import FakeProvider
from tests.sso import make_sso_provider

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def fake_idp() -> Iterator[FakeProvider]:
    provider = FakeProvider(free_port())
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture(scope="module")
def mock_idp() -> Iterator[str]:
    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest_asyncio.fixture
async def two_providers(
    live_server: LiveServer, fake_idp: FakeProvider, mock_idp: str
) -> AsyncIterator[tuple[str, str]]:
    """Both on the shared server's sign-in page for this test only (turned off after it)."""
    tag = uuid.uuid4().hex[:6]
    names = (f"Acme ID {tag}", f"Partner ID {tag}")
    async with live_server.session() as session:
        await make_sso_provider(session, name=names[0], discovery_url=fake_idp.discovery_url)
        await make_sso_provider(
            session, name=names[1], discovery_url=f"{mock_idp}/.well-known/openid-configuration"
        )
    yield names
    async with live_server.session() as session:
        await session.execute(
            update(SsoProvider).where(SsoProvider.name.in_(names)).values(enabled=False)
        )


async def test_people_sign_in_through_each_of_two_providers(
    live_server: LiveServer,
    open_page: OpenPage,
    fake_idp: FakeProvider,
    mock_idp: str,
    two_providers: tuple[str, str],
) -> None:
    acme, partner = two_providers
    tag = uuid.uuid4().hex[:6]
    async with live_server.session() as session:
        ada = await make_advocate(session, name="Ada Lovelace", email=f"ada-{tag}@example.com")
        await make_advocate(session, name="Grace Hopper", email=f"grace-{tag}@example.com")
    fake_idp.reset()
    fake_idp.identity.email = ada.email
    grace_sub = f"grace-{tag}"
    async with httpx.AsyncClient() as admin_of_the_provider:
        await admin_of_the_provider.put(
            f"{mock_idp}/users/{grace_sub}",
            json={"email": f"grace-{tag}@example.com", "email_verified": True, "name": "Grace"},
        )

    page = await open_page()
    await LoginPage(page).open()
    await page.get_by_role("link", name=f"Sign in with {acme}").click()
    home = HomePage(page)
    await home.expect_signed_in_as("Ada Lovelace")
    await expect(page.get_by_text(f"now linked to your {acme} sign-in")).to_be_visible()

    other = await open_page()
    await LoginPage(other).open()
    await other.get_by_role("link", name=f"Sign in with {partner}").click()
    await other.get_by_placeholder("sub").fill(grace_sub)  # at the provider: who signs in
    await other.get_by_role("button", name="Authorize").click()
    await HomePage(other).expect_signed_in_as("Grace Hopper")
