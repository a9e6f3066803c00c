"""Single sign-on through real, local OpenID providers (tests/oidc_provider.py, two of them at
once): authlib does discovery, state, PKCE, the token call, the ID token checks and UserInfo
over loopback HTTP, exactly as it would against a real provider."""

import logging
from collections.abc import Iterator

import httpx
import pytest
from bs4 import BeautifulSoup
from joserfc.jwk import RSAKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth import service as auth
from portal.auth.models import SsoIdentity, SsoProvider
from portal.auth.service.sso_providers import LEGACY_SLUG
from portal.people.models import Group, GroupMember, UserSession, UserStatus
from portal.program import service as program
from portal.program.service import SignupMode
from tests.conftest import free_port
from tests.factories import make_advocate, post_form
from tests.oidc_provider import FakeProvider
from tests.sso import make_sso_provider

BASE = "http://portal.test"


@pytest.fixture(scope="session")
def idps() -> Iterator[tuple[FakeProvider, FakeProvider]]:
    first, second = FakeProvider(free_port()), FakeProvider(free_port())
    first.start()
    second.start()
    yield first, second
    first.stop()
    second.stop()


@pytest.fixture
def acme_idp(idps: tuple[FakeProvider, FakeProvider]) -> FakeProvider:
    idps[0].reset()
    return idps[0]


@pytest.fixture
def google_idp(idps: tuple[FakeProvider, FakeProvider]) -> FakeProvider:
    idps[1].reset()
    return idps[1]


@pytest.fixture
async def acme(session: AsyncSession, acme_idp: FakeProvider) -> SsoProvider:
    return await make_sso_provider(
        session, name="Acme ID", slug="acme", discovery_url=acme_idp.discovery_url
    )


@pytest.fixture
async def google(session: AsyncSession, google_idp: FakeProvider) -> SsoProvider:
    return await make_sso_provider(
        session, name="Google", slug="google", discovery_url=google_idp.discovery_url
    )


async def through(
    client: httpx.AsyncClient, path: str = "/login/sso/acme", *, callback: str = "acme/callback"
) -> httpx.Response:
    """What a browser does: to the provider, which sends it straight back to the callback."""
    start = await client.get(path)
    assert start.status_code == 302, start.text
    async with httpx.AsyncClient() as browser:
        at_provider = await browser.get(start.headers["location"])
    assert at_provider.status_code == 302, at_provider.text
    back = at_provider.headers["location"]
    assert back.startswith(f"{BASE}/login/sso/{callback}?"), back
    return await client.get(back)


def _form_error(response: httpx.Response) -> str:
    error = BeautifulSoup(response.text, "html.parser").select_one(".form-error")
    assert error is not None, response.text
    return error.get_text(strip=True)


def _text(response: httpx.Response) -> str:
    return BeautifulSoup(response.text, "html.parser").get_text(" ", strip=True)


@pytest.mark.usefixtures("acme")
async def test_the_first_sign_in_links_by_email_says_so_and_later_ones_go_home_quietly(
    session: AsyncSession, client: httpx.AsyncClient, acme_idp: FakeProvider
) -> None:
    user = await make_advocate(session, email="ada@example.com", name="Ada Lovelace")
    acme_idp.identity.email = "Ada@Example.com"
    response = await through(client)
    assert (response.status_code, response.headers["location"]) == (303, "/")
    home = await client.get("/")
    assert BeautifulSoup(home.text, "html.parser").h1.get_text(strip=True) == "Welcome, Ada"
    assert "Your account is now linked to your Acme ID sign-in" in _text(home)
    profile = BeautifulSoup((await client.get("/profile")).text, "html.parser")
    linked = profile.select_one("#sso-identities")
    assert linked is not None
    assert "Acme ID" in linked.get_text()
    await post_form(client, "/logout", {}, page="/")
    assert (await through(client)).status_code == 303
    assert "now linked" not in _text(await client.get("/"))
    identity = await session.scalar(select(SsoIdentity).where(SsoIdentity.user_id == user.id))
    assert identity is not None
    assert (identity.issuer, identity.subject) == (acme_idp.issuer, acme_idp.identity.sub)


@pytest.mark.usefixtures("acme", "google")
async def test_two_providers_side_by_side_and_the_same_email_from_the_second_is_refused(
    session: AsyncSession,
    client: httpx.AsyncClient,
    acme_idp: FakeProvider,
    google_idp: FakeProvider,
) -> None:
    await make_advocate(session, email="ada@example.com")
    await make_advocate(session, email="bob@example.com", name="Bob Builder")
    login = BeautifulSoup((await client.get("/login?next=/profile")).text, "html.parser")
    buttons = [(a.get_text(strip=True), a["href"]) for a in login.select(".sso-sign-in")]
    assert buttons == [
        ("Sign in with Acme ID", f"{BASE}/login/sso/acme?next=%2Fprofile"),
        ("Sign in with Google", f"{BASE}/login/sso/google?next=%2Fprofile"),
    ]
    assert (await through(client)).status_code == 303
    await post_form(client, "/logout", {}, page="/")
    google_idp.identity.email = "ada@example.com"  # someone else's Google account, same address
    refused = await through(client, "/login/sso/google", callback="google/callback")
    assert refused.status_code == 403
    assert "already linked to another single sign-on account" in _form_error(refused)
    assert (await client.get("/")).status_code == 303  # still signed out
    google_idp.identity.email, google_idp.identity.name = "bob@example.com", "Bob Builder"
    assert (
        await through(client, "/login/sso/google", callback="google/callback")
    ).status_code == 303
    assert "Welcome, Bob" in (await client.get("/")).text


@pytest.mark.usefixtures("acme")
async def test_an_sso_sign_in_is_a_server_side_session_that_sign_out_ends(
    session: AsyncSession, client: httpx.AsyncClient, acme_idp: FakeProvider
) -> None:
    user = await make_advocate(session, email=acme_idp.identity.email)
    await through(client)
    rows = list(await session.scalars(select(UserSession).where(UserSession.user_id == user.id)))
    assert [row.revoked_at for row in rows] == [None]
    await post_form(client, "/logout", {}, page="/")
    await session.refresh(rows[0])
    assert rows[0].revoked_at is not None


@pytest.mark.usefixtures("acme")
@pytest.mark.parametrize(
    ("asked", "landing"), [("/profile", "/profile"), ("//evil.example/x", "/")]
)
async def test_sso_returns_to_the_page_asked_for_but_only_on_this_site(
    session: AsyncSession,
    client: httpx.AsyncClient,
    acme_idp: FakeProvider,
    asked: str,
    landing: str,
) -> None:
    await make_advocate(session, email=acme_idp.identity.email)
    response = await through(client, f"/login/sso/acme?next={asked}")
    assert (response.status_code, response.headers["location"]) == (303, landing)


@pytest.mark.usefixtures("acme")
async def test_a_forged_state_is_refused_and_logged_as_a_warning_with_the_request_id(
    session: AsyncSession,
    client: httpx.AsyncClient,
    acme_idp: FakeProvider,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await make_advocate(session, email=acme_idp.identity.email)
    start = await client.get("/login/sso/acme")
    async with httpx.AsyncClient() as browser:
        at_provider = await browser.get(start.headers["location"])
    forged = httpx.URL(at_provider.headers["location"]).copy_set_param("state", "forged")
    with caplog.at_level(logging.WARNING, logger="portal.sso"):
        response = await client.get(str(forged))
    assert response.status_code == 400
    assert "expired or was started in another browser window" in _form_error(response)
    [record] = [r for r in caplog.records if "state mismatch" in r.getMessage()]
    assert record.levelno == logging.WARNING
    assert response.headers["X-Request-ID"] in record.getMessage()
    assert (await client.get("/")).status_code == 303  # still signed out


@pytest.mark.usefixtures("acme")
async def test_a_signed_in_person_opening_an_old_callback_goes_home(
    session: AsyncSession, client: httpx.AsyncClient, acme_idp: FakeProvider
) -> None:
    await make_advocate(session, email=acme_idp.identity.email)
    start = await client.get("/login/sso/acme")
    async with httpx.AsyncClient() as browser:
        at_provider = await browser.get(start.headers["location"])
    callback = at_provider.headers["location"]
    assert (await client.get(callback)).status_code == 303
    again = await client.get(callback)  # back button, or a reload of the history entry
    assert (again.status_code, again.headers["location"]) == (303, "/")


@pytest.mark.usefixtures("acme")
async def test_waiting_for_approval_has_a_page_of_its_own_that_survives_a_reload(
    session: AsyncSession, client: httpx.AsyncClient, acme_idp: FakeProvider
) -> None:
    await program.update(session, actor=None, signup_mode=SignupMode.APPROVAL)
    acme_idp.identity.email = "pat@newco.example"
    response = await through(client)
    assert (response.status_code, response.headers["location"]) == (
        303,
        f"{BASE}/login/sso/waiting",
    )
    for _ in range(2):
        page = await client.get("/login/sso/waiting")
        waiting = BeautifulSoup(page.text, "html.parser").select_one("#signup-waiting")
        assert waiting is not None
        assert "pat@newco.example" in waiting.get_text()
    user = await auth.find_user_by_email(session, "pat@newco.example")
    assert user is not None
    assert user.status == UserStatus.PENDING
    assert (await client.get("/")).status_code == 303


async def test_the_waiting_page_without_a_sign_up_goes_home(client: httpx.AsyncClient) -> None:
    response = await client.get("/login/sso/waiting")
    assert (response.status_code, response.headers["location"]) == (303, "/")


@pytest.mark.usefixtures("acme")
@pytest.mark.parametrize(
    ("error", "status", "message"),
    [
        ("unknown", 403, "There is no account for stranger@example.com."),
        ("unverified", 403, "did not give us a confirmed email address"),
        ("deny", 400, "The sign-in with Acme ID was cancelled."),
        ("rogue_key", 502, "couldn't complete the sign-in with Acme ID"),
    ],
)
async def test_refusals_show_on_the_login_page_and_sign_no_one_in(
    session: AsyncSession,
    client: httpx.AsyncClient,
    acme_idp: FakeProvider,
    error: str,
    status: int,
    message: str,
) -> None:
    await make_advocate(session, email="ada@example.com")
    if error == "unknown":
        acme_idp.identity.email = "stranger@example.com"
    elif error == "unverified":
        acme_idp.identity.email_verified = False
    elif error == "deny":
        acme_idp.deny = True
    else:
        acme_idp.rogue_key = RSAKey.generate_key(2048, parameters={"kid": "test-1"})
    response = await through(client, "/login/sso/acme?next=/profile")
    assert response.status_code == status
    assert message in _form_error(response)
    page = BeautifulSoup(response.text, "html.parser")
    assert page.select_one("input[name=next]")["value"] == "/profile"
    assert (await client.get("/")).status_code == 303


async def test_claims_the_id_token_lacks_are_asked_of_userinfo(
    session: AsyncSession, client: httpx.AsyncClient, acme_idp: FakeProvider
) -> None:
    staff = Group(name="Staff")
    session.add(staff)
    await session.flush()
    await make_sso_provider(
        session,
        slug="acme",
        discovery_url=acme_idp.discovery_url,
        group_claim="groups",
        group_map=[("staff", staff)],
    )
    user = await make_advocate(session, email=acme_idp.identity.email, name="Ada Lovelace")
    acme_idp.identity.extra = {"groups": ["staff"], "jobTitle": "Analyst"}
    acme_idp.userinfo_only = {"email_verified", "groups", "jobTitle"}
    assert (await through(client)).status_code == 303
    assert acme_idp.userinfo_calls == 1
    assert "Welcome, Ada" in (await client.get("/")).text
    await session.refresh(user)
    assert user.job_title == "Analyst"
    member = await session.scalar(
        select(GroupMember).where(GroupMember.user_id == user.id, GroupMember.group_id == staff.id)
    )
    assert member is not None


@pytest.mark.parametrize("authoritative", [True, False])
async def test_without_email_verified_only_an_authoritative_domain_signs_in(
    session: AsyncSession, client: httpx.AsyncClient, acme_idp: FakeProvider, authoritative: bool
) -> None:
    await make_sso_provider(
        session,
        name="Acme Entra",
        slug="acme",
        preset="entra",
        discovery_url=acme_idp.discovery_url,
        authoritative_domains=["example.com"] if authoritative else [],
    )
    await make_advocate(session, email="ada@example.com")
    acme_idp.identity.email_verified = None  # what Entra ID sends: nothing, nor from UserInfo
    response = await through(client)
    assert response.status_code == (303 if authoritative else 403)


async def test_the_provider_of_the_old_settings_keeps_its_urls(
    session: AsyncSession, client: httpx.AsyncClient, acme_idp: FakeProvider
) -> None:
    await make_sso_provider(session, slug=LEGACY_SLUG, discovery_url=acme_idp.discovery_url)
    await make_advocate(session, email=acme_idp.identity.email)
    response = await through(client, "/login/sso", callback="callback")
    assert response.status_code == 303


async def test_without_providers_there_are_no_buttons_and_no_sso_pages(
    session: AsyncSession, client: httpx.AsyncClient, acme_idp: FakeProvider
) -> None:
    await make_sso_provider(
        session, slug="off", enabled=False, discovery_url=acme_idp.discovery_url
    )
    page = BeautifulSoup((await client.get("/login")).text, "html.parser")
    assert page.select(".sso-sign-in") == []
    assert "Sign in with" not in page.get_text()
    for path in ("/login/sso", "/login/sso/off", "/login/sso/callback?code=x&state=y"):
        assert (await client.get(path)).status_code == 404, path


async def test_a_provider_that_cannot_be_reached_gets_a_clear_message(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    await make_sso_provider(
        session, slug="down", discovery_url=f"http://127.0.0.1:{free_port()}/.well-known/x"
    )
    response = await client.get("/login/sso/down?next=/profile")
    assert response.status_code == 502
    assert "couldn't complete the sign-in with Acme ID" in _form_error(response)
    page = BeautifulSoup(response.text, "html.parser")
    assert page.select_one("input[name=next]")["value"] == "/profile"
