"""Single sign-on against an OpenID provider this project did not write: two servers of
`oidc-provider-mock` (PyPI) on loopback, side by side. The person "signs in" at the provider by
posting its authorization form with their subject, as the package's own examples do."""

from collections.abc import Iterator
from urllib.parse import quote

import httpx
import oidc_provider_mock
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth.models import SsoIdentity
from portal.people.models import Group, GroupMember, User
from tests.factories import make_advocate, post_form
from tests.sso import make_sso_provider

BASE = "http://portal.test"


@pytest.fixture(scope="session")
def mock_providers() -> Iterator[tuple[str, str]]:
    with (
        oidc_provider_mock.run_server_in_thread() as first,
        oidc_provider_mock.run_server_in_thread() as second,
    ):
        yield (f"http://localhost:{first.server_port}", f"http://localhost:{second.server_port}")


async def _sign_in_at(
    client: httpx.AsyncClient, provider_url: str, slug: str, sub: str, claims: dict[str, object]
) -> httpx.Response:
    """The provider learns the person's claims; the person starts at the portal, authorizes at
    the provider, and comes back to the portal's callback."""
    async with httpx.AsyncClient() as browser:
        saved = await browser.put(f"{provider_url}/users/{quote(sub, safe='')}", json=claims)
        assert saved.status_code == 204
        start = await client.get(f"/login/sso/{slug}")
        assert start.status_code == 302, start.text
        authorized = await browser.post(start.headers["location"], data={"sub": sub})
    assert authorized.status_code == 302, authorized.text
    back = authorized.headers["location"]
    assert back.startswith(f"{BASE}/login/sso/{slug}/callback?"), back
    return await client.get(back)


def _discovery(provider_url: str) -> str:
    return f"{provider_url}/.well-known/openid-configuration"


async def _identity_of(session: AsyncSession, user: User) -> tuple[str, str] | None:
    row = (
        await session.execute(
            select(SsoIdentity.issuer, SsoIdentity.subject).where(SsoIdentity.user_id == user.id)
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def test_accounts_follow_issuer_and_subject_across_two_providers(
    session: AsyncSession, client: httpx.AsyncClient, mock_providers: tuple[str, str]
) -> None:
    first_url, second_url = mock_providers
    await make_sso_provider(
        session, name="Staff ID", slug="staff", discovery_url=_discovery(first_url)
    )
    await make_sso_provider(
        session, name="Social", slug="social", discovery_url=_discovery(second_url)
    )
    ada = await make_advocate(session, email="ada@example.com", name="Ada Lovelace")
    claims = {"email": "ada@example.com", "email_verified": True, "name": "Ada Lovelace"}
    response = await _sign_in_at(client, first_url, "staff", "ada-sub", claims)
    assert response.status_code == 303
    assert "Welcome, Ada" in (await client.get("/")).text
    assert await _identity_of(session, ada) == (first_url, "ada-sub")
    await post_form(client, "/logout", {}, page="/")

    # Someone else at the second provider asserts Ada's verified address: not Ada's account.
    refused = await _sign_in_at(client, second_url, "social", "mallory", claims)
    assert refused.status_code == 403
    error = BeautifulSoup(refused.text, "html.parser").select_one(".form-error")
    assert error is not None
    assert "already linked to another single sign-on account" in error.get_text()
    assert (await client.get("/")).status_code == 303

    # Ada's mailbox is renamed at her provider: her subject still signs her in.
    renamed = {**claims, "email": "ada.king@example.com"}
    assert (await _sign_in_at(client, first_url, "staff", "ada-sub", renamed)).status_code == 303
    assert "Welcome, Ada" in (await client.get("/")).text


@pytest.mark.parametrize("authoritative", [True, False])
async def test_no_email_verified_signs_in_only_at_an_authoritative_domain(
    session: AsyncSession,
    client: httpx.AsyncClient,
    mock_providers: tuple[str, str],
    authoritative: bool,
) -> None:
    url = mock_providers[0]
    await make_sso_provider(
        session,
        name="Acme Entra",
        slug="entra",
        discovery_url=_discovery(url),
        authoritative_domains=["acme.example"] if authoritative else [],
    )
    await make_advocate(session, email="mia@acme.example", name="Mia Moss")
    # Like Entra ID: an email, and no email_verified in the ID token or from UserInfo.
    claims = {"email": "mia@acme.example", "name": "Mia Moss"}
    sub = f"mia-{authoritative}"
    response = await _sign_in_at(client, url, "entra", sub, claims)
    assert response.status_code == (303 if authoritative else 403)


async def test_a_groups_claim_puts_the_person_in_the_mapped_portal_groups(
    session: AsyncSession, client: httpx.AsyncClient, mock_providers: tuple[str, str]
) -> None:
    url = mock_providers[1]
    engineers, sales = Group(name="Engineers"), Group(name="Sales team")
    session.add_all([engineers, sales])
    await session.flush()
    await make_sso_provider(
        session,
        name="Keycloak",
        slug="keycloak",
        preset="keycloak",
        discovery_url=_discovery(url),
        group_claim="groups",
        group_map=[("/engineering", engineers), ("/sales", sales)],
    )
    user = await make_advocate(session, email="grace@example.com", name="Grace Hopper")
    claims = {
        "email": "grace@example.com",
        "email_verified": True,
        "name": "Grace Hopper",
        "groups": ["/engineering", "/navy"],
        "title": "Rear Admiral",
    }
    assert (await _sign_in_at(client, url, "keycloak", "grace", claims)).status_code == 303
    groups = await session.scalars(
        select(Group.name).join(GroupMember).where(GroupMember.user_id == user.id)
    )
    assert set(groups) == {"Engineers"}
    await session.refresh(user)
    assert user.job_title == "Rear Admiral"
