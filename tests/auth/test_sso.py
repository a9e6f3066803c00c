"""Single sign-on: the account rule (service), and the whole flow through a real, local OpenID
provider (routes): authlib does discovery, state, PKCE, the token call and the ID token checks
over loopback HTTP, exactly as it would against a real provider."""

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import httpx
import pytest
from bs4 import BeautifulSoup
from joserfc.jwk import RSAKey
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from starlette.applications import Starlette

from portal.app import create_app
from portal.audit.models import AuditEntry
from portal.auth import service as auth
from portal.config import Settings
from portal.outbox.models import OutboxEmail
from portal.people.models import Role, User, UserSession, UserStatus
from portal.program import service as program
from portal.program.service import SignupMode
from tests.conftest import free_port, joined_sessionmaker
from tests.factories import (
    PASSWORD,
    make_admin,
    make_advocate,
    make_marketer,
    make_user,
    post_form,
)
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, FakeProvider

BASE = "http://portal.test"
CALLBACK = f"{BASE}/login/sso/callback?"


async def _sso(
    session: AsyncSession, email: str, *, verified: bool = True, name: str = "Ada Lovelace"
) -> User:
    return await auth.sso_sign_in(session, email=email, email_verified=verified, name=name)


async def _audit(session: AsyncSession, action: str, user: User) -> list[AuditEntry]:
    rows = await session.scalars(
        select(AuditEntry).where(AuditEntry.action == action, AuditEntry.target_id == user.id)
    )
    return list(rows)


async def _users(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(User)) or 0


# --- the rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("email", "verified"), [("ada@example.com", False), ("", True)])
async def test_an_email_the_provider_has_not_verified_is_refused(
    session: AsyncSession, email: str, verified: bool
) -> None:
    await make_advocate(session, email="ada@example.com")
    with pytest.raises(auth.EmailNotVerified) as refused:
        await _sso(session, email, verified=verified)
    assert refused.value.status_code == 403
    assert "did not give us a confirmed email address" in refused.value.message


async def test_a_known_active_user_signs_in_as_themselves_and_the_link_is_logged_once(
    session: AsyncSession,
) -> None:
    user = await make_advocate(session, email="ada@example.com")
    signed_in = await _sso(session, "  ADA@Example.com ")
    assert signed_in.id == user.id
    assert signed_in.status == UserStatus.ACTIVE
    assert signed_in.last_login_at is not None
    assert signed_in.password_hash is not None  # the password still works as well
    await _sso(session, "ada@example.com")
    linked = await _audit(session, "user.sso_linked", user)
    assert [entry.actor_id for entry in linked] == [user.id]


async def test_an_invited_user_is_activated_and_their_invitation_is_spent(
    session: AsyncSession,
) -> None:
    marketer = await make_marketer(session)
    invitation = await auth.invite(
        session,
        inviter=marketer,
        email="nina@example.com",
        display_name="Nina New",
        roles=[Role.ADVOCATE],
    )
    user = await _sso(session, "nina@example.com", name="Nina From The Provider")
    assert user.id == invitation.user.id
    assert user.status == UserStatus.ACTIVE
    assert user.display_name == "Nina New"  # the name the team chose stays
    assert user.password_hash is None
    await session.refresh(invitation)
    assert invitation.accepted_at is not None
    assert len(await _audit(session, "user.invitation_accepted", user)) == 1


@pytest.mark.parametrize("status", [UserStatus.SUSPENDED, UserStatus.PENDING])
async def test_suspended_and_pending_users_get_the_same_answer_as_with_a_password(
    session: AsyncSession, status: UserStatus
) -> None:
    user = await make_user(session, email="ada@example.com", status=status)
    with pytest.raises(auth.AccountNotActive) as by_password:
        await auth.authenticate(
            session,
            email=user.email,
            password=PASSWORD,
            client_address="10.0.0.1",
            secret="secret",
            max_failures=5,
            window=timedelta(minutes=15),
        )
    with pytest.raises(auth.AccountNotActive) as by_sso:
        await _sso(session, user.email)
    assert by_sso.value.message == by_password.value.message
    assert user.status == status


async def test_an_unknown_email_is_refused_while_sign_up_is_closed(session: AsyncSession) -> None:
    before = await _users(session)
    with pytest.raises(auth.NoAccountForEmail) as refused:
        await _sso(session, "Stranger@Example.com")
    assert refused.value.message == (
        "There is no account for stranger@example.com. Ask the program team for an invitation."
    )
    assert await _users(session) == before


async def test_an_unknown_email_with_open_sign_up_becomes_an_active_advocate_without_password(
    session: AsyncSession,
) -> None:
    await program.update(session, actor=None, signup_mode=SignupMode.OPEN)
    user = await _sso(session, "pat@newco.example", name="  ")
    assert user.status == UserStatus.ACTIVE
    assert user.role_set == {Role.ADVOCATE}
    assert user.password_hash is None
    assert user.display_name == "pat"  # no name from the provider: the email's local part
    assert user.last_login_at is not None
    [signed_up] = await _audit(session, "user.signed_up", user)
    assert "single sign-on" in signed_up.summary
    again = await _sso(session, "pat@newco.example")
    assert again.id == user.id
    assert await _audit(session, "user.sso_linked", user) == []  # SSO made it: nothing to link


async def test_an_unknown_email_with_approval_waits_and_tells_the_approvers(
    session: AsyncSession,
) -> None:
    admin = await make_admin(session)
    await program.update(session, actor=admin, signup_mode=SignupMode.APPROVAL)
    user = await _sso(session, "pat@newco.example", name="Pat Newcomer")
    assert user.status == UserStatus.PENDING
    assert user.password_hash is None
    notice = await session.scalar(select(OutboxEmail).where(OutboxEmail.kind == "signup_pending"))
    assert notice is not None
    assert notice.to_address == admin.email
    assert "Pat Newcomer" in notice.text_body
    with pytest.raises(auth.AccountNotActive, match="waiting for approval"):
        await _sso(session, "pat@newco.example")


# --- the flow through the provider ------------------------------------------------------------


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[FakeProvider]:
    provider = FakeProvider(free_port())
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture
def provider(oidc_provider: FakeProvider) -> FakeProvider:
    oidc_provider.reset()
    return oidc_provider


@pytest.fixture
def settings(settings: Settings, provider: FakeProvider) -> Settings:
    """The app of this module signs in through the fake provider."""
    return settings.model_copy(
        update={
            "oidc_discovery_url": provider.discovery_url,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": SecretStr(CLIENT_SECRET),
            "oidc_provider_name": "Acme ID",
        }
    )


async def _through_provider(client: httpx.AsyncClient, path: str = "/login/sso") -> httpx.Response:
    """What a browser does: to the provider, which sends it straight back to the callback."""
    start = await client.get(path)
    assert start.status_code == 302, start.text
    async with httpx.AsyncClient() as browser:
        at_provider = await browser.get(start.headers["location"])
    assert at_provider.status_code == 302, at_provider.text
    back = at_provider.headers["location"]
    assert back.startswith(CALLBACK), back
    return await client.get(back)


def _form_error(response: httpx.Response) -> str:
    error = BeautifulSoup(response.text, "html.parser").select_one(".form-error")
    assert error is not None, response.text
    return error.get_text(strip=True)


async def test_sso_signs_a_known_user_in_and_goes_home(
    session: AsyncSession, client: httpx.AsyncClient, provider: FakeProvider
) -> None:
    user = await make_advocate(session, email="ada@example.com", name="Ada Lovelace")
    provider.identity.email = "Ada@Example.com"
    response = await _through_provider(client)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    home = await client.get("/")
    assert home.status_code == 200
    assert BeautifulSoup(home.text, "html.parser").h1.get_text(strip=True) == "Welcome, Ada"
    await session.refresh(user)
    assert user.last_login_at is not None
    assert len(await _audit(session, "user.sso_linked", user)) == 1


async def test_an_sso_sign_in_is_a_server_side_session_that_sign_out_ends(
    session: AsyncSession, client: httpx.AsyncClient, provider: FakeProvider
) -> None:
    user = await make_advocate(session, email=provider.identity.email)
    await _through_provider(client)
    rows = list(await session.scalars(select(UserSession).where(UserSession.user_id == user.id)))
    assert [row.revoked_at for row in rows] == [None]
    await post_form(client, "/logout", {}, page="/")
    await session.refresh(rows[0])
    assert rows[0].revoked_at is not None


@pytest.mark.parametrize(
    ("asked", "landing"), [("/profile", "/profile"), ("//evil.example/x", "/")]
)
async def test_sso_returns_to_the_page_asked_for_but_only_on_this_site(
    session: AsyncSession,
    client: httpx.AsyncClient,
    provider: FakeProvider,
    asked: str,
    landing: str,
) -> None:
    await make_advocate(session, email=provider.identity.email)
    response = await _through_provider(client, f"/login/sso?next={asked}")
    assert response.status_code == 303
    assert response.headers["location"] == landing


async def test_a_forged_or_stale_state_is_refused_with_a_clear_message(
    session: AsyncSession, client: httpx.AsyncClient, provider: FakeProvider
) -> None:
    await make_advocate(session, email=provider.identity.email)
    start = await client.get("/login/sso")
    async with httpx.AsyncClient() as browser:
        at_provider = await browser.get(start.headers["location"])
    forged = httpx.URL(at_provider.headers["location"]).copy_set_param("state", "forged")
    response = await client.get(str(forged))
    assert response.status_code == 400
    assert "expired or was started in another browser window" in _form_error(response)
    assert (await client.get("/")).status_code == 303  # still signed out


async def test_an_unknown_email_is_refused_on_the_login_page_while_sign_up_is_closed(
    session: AsyncSession, client: httpx.AsyncClient, provider: FakeProvider
) -> None:
    provider.identity.email = "stranger@example.com"
    before = await _users(session)
    response = await _through_provider(client)
    assert response.status_code == 403
    assert _form_error(response) == (
        "There is no account for stranger@example.com. Ask the program team for an invitation."
    )
    assert await _users(session) == before
    assert (await client.get("/")).status_code == 303


async def test_an_unverified_email_at_the_provider_is_refused(
    session: AsyncSession, client: httpx.AsyncClient, provider: FakeProvider
) -> None:
    await make_advocate(session, email=provider.identity.email)
    provider.identity.email_verified = False
    response = await _through_provider(client)
    assert response.status_code == 403
    assert "did not give us a confirmed email address" in _form_error(response)


async def test_saying_no_at_the_provider_shows_that_the_sign_in_was_cancelled(
    client: httpx.AsyncClient, provider: FakeProvider
) -> None:
    provider.deny = True
    response = await _through_provider(client, "/login/sso?next=/profile")
    assert response.status_code == 400
    assert _form_error(response) == "The sign-in with Acme ID was cancelled."
    page = BeautifulSoup(response.text, "html.parser")
    assert page.select_one("input[name=next]")["value"] == "/profile"


async def test_an_id_token_signed_with_another_key_is_refused(
    session: AsyncSession, client: httpx.AsyncClient, provider: FakeProvider
) -> None:
    await make_advocate(session, email=provider.identity.email)
    provider.rogue_key = RSAKey.generate_key(2048, parameters={"kid": "test-1"})
    response = await _through_provider(client)
    assert response.status_code == 502
    assert "couldn't complete the sign-in with Acme ID" in _form_error(response)
    assert (await client.get("/")).status_code == 303


async def test_the_email_comes_from_userinfo_when_the_id_token_leaves_it_out(
    session: AsyncSession, client: httpx.AsyncClient, provider: FakeProvider
) -> None:
    await make_advocate(session, email=provider.identity.email, name="Ada Lovelace")
    provider.claims_in_userinfo_only = True
    response = await _through_provider(client)
    assert response.status_code == 303
    assert "Welcome, Ada" in (await client.get("/")).text


async def test_a_new_advocate_waiting_for_approval_is_told_so_and_kept(
    session: AsyncSession, client: httpx.AsyncClient, provider: FakeProvider
) -> None:
    await program.update(session, actor=None, signup_mode=SignupMode.APPROVAL)
    provider.identity.email = "pat@newco.example"
    response = await _through_provider(client)
    assert response.status_code == 200
    waiting = BeautifulSoup(response.text, "html.parser").select_one("#signup-waiting")
    assert waiting is not None
    assert "pat@newco.example" in waiting.get_text()
    user = await auth.find_user_by_email(session, "pat@newco.example")
    assert user is not None
    assert user.status == UserStatus.PENDING
    assert (await client.get("/")).status_code == 303


async def test_an_open_program_lets_a_new_advocate_in_at_once(
    session: AsyncSession, client: httpx.AsyncClient, provider: FakeProvider
) -> None:
    await program.update(session, actor=None, signup_mode=SignupMode.OPEN)
    provider.identity.email = "grace@newco.example"
    provider.identity.name = "Grace Hopper"
    response = await _through_provider(client)
    assert response.status_code == 303
    assert "Welcome, Grace" in (await client.get("/")).text


async def test_the_login_page_offers_sso_when_it_is_configured(
    client: httpx.AsyncClient,
) -> None:
    page = BeautifulSoup((await client.get("/login?next=/profile")).text, "html.parser")
    button = page.select_one("#sso-sign-in")
    assert button is not None
    assert button.get_text(strip=True) == "Sign in with Acme ID"
    assert button["href"] == f"{BASE}/login/sso?next=%2Fprofile"


@pytest.fixture
async def plain_client(
    settings: Settings, connection: AsyncConnection
) -> AsyncIterator[httpx.AsyncClient]:
    """A client on an app without single sign-on."""
    plain = settings.model_copy(
        update={"oidc_discovery_url": None, "oidc_client_id": None, "oidc_client_secret": None}
    )
    app: Starlette = create_app(plain, sessionmaker=joined_sessionmaker(connection))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        yield client


async def test_without_configuration_there_is_no_button_and_no_sso_pages(
    plain_client: httpx.AsyncClient,
) -> None:
    page = BeautifulSoup((await plain_client.get("/login")).text, "html.parser")
    assert page.select_one("#sso-sign-in") is None
    assert "Sign in with" not in page.get_text()
    assert (await plain_client.get("/login/sso")).status_code == 404
    assert (await plain_client.get("/login/sso/callback?code=x&state=y")).status_code == 404


async def test_a_provider_that_cannot_be_reached_gets_a_clear_message(
    settings: Settings, connection: AsyncConnection
) -> None:
    down = settings.model_copy(
        update={"oidc_discovery_url": f"http://127.0.0.1:{free_port()}/.well-known/x"}
    )
    app = create_app(down, sessionmaker=joined_sessionmaker(connection))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        response = await client.get("/login/sso?next=/profile")
    assert response.status_code == 502
    assert "couldn't complete the sign-in with Acme ID" in _form_error(response)
    page = BeautifulSoup(response.text, "html.parser")
    assert page.select_one("input[name=next]")["value"] == "/profile"
