"""Manage → Sign-in providers (admins): presets, the form's checks, the write-only secret,
removal; and migration 0035, which adopts the provider of the old OIDC_* settings."""

from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.models import AuditEntry
from portal.auth.models import SsoProvider
from portal.db import create_engine, create_sessionmaker
from portal.people.models import Group, Role
from tests.conftest import run_migrations
from tests.factories import login_as, make_admin, make_marketer, post_form
from tests.sso import make_sso_provider

NEW = "/manage/sign-in-providers/new"
ENTRA_FORM = {
    "name": "Acme Entra",
    "preset": "entra",
    "discovery_url": "https://login.microsoftonline.com/acme-tenant/v2.0/.well-known/openid-configuration",
    "client_id": "1f0e-client",
    "client_secret": "s3cret-value",
    "allowed_domains": "acme.example",
    "authoritative_domains": "@Acme.example, acme-labs.example",
    "roles": ["advocate", "marketer", "admin"],
    "group_claim": "groups",
    "group_map": "8c1e-4f3a = Staff",
    "enabled": "on",
}


def _page(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def test_an_admin_adds_a_provider_from_a_preset_and_gets_its_redirect_uri(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    staff = Group(name="Staff")
    session.add(staff)
    await login_as(client, await make_admin(session))
    listing = _page(await client.get("/manage/sign-in-providers/"))
    assert [a.get_text(strip=True) for a in listing.select("#add-provider a")] == [
        "Microsoft Entra ID",
        "Google",
        "Okta",
        "Keycloak",
        "Auth0",
        "Another OpenID Connect provider",
    ]
    form = _page(await client.get(f"{NEW}?preset=entra"))
    assert "email_verified" in form.select_one("#preset-notes").get_text()
    assert form.select_one("#f-discovery_url")["value"].endswith(
        "{tenant-id}/v2.0/.well-known/openid-configuration"
    )
    created = await post_form(client, NEW, ENTRA_FORM, page=NEW)
    assert created.status_code == 303
    provider = await session.scalar(select(SsoProvider).where(SsoProvider.name == "Acme Entra"))
    assert provider is not None
    assert provider.slug == "acme-entra"
    assert provider.authoritative_domain_list == ["acme-labs.example", "acme.example"]
    assert provider.role_set == {Role.ADVOCATE, Role.MARKETER, Role.ADMIN}
    assert provider.group_map == [{"value": "8c1e-4f3a", "group_id": staff.id}]
    assert provider.client_secret == "s3cret-value"
    detail = await client.get(created.headers["location"])
    assert "s3cret-value" not in detail.text  # the secret is never shown again
    assert _page(detail).select_one("#redirect-uri code").get_text() == (
        "http://portal.test/login/sso/acme-entra/callback"
    )
    login = _page(await client.get("/manage/sign-in-providers/"))
    assert login.select_one("#provider-acme-entra") is not None


async def test_the_form_says_what_is_wrong_and_keeps_what_was_typed(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    await login_as(client, await make_admin(session))
    typed = {
        **ENTRA_FORM,
        "discovery_url": "https://login.microsoftonline.com/{tenant-id}/v2.0/x",
        "allowed_domains": "acme",
        "group_map": "8c1e = No Such Group",
        "roles": [],
    }
    response = await post_form(client, NEW, typed, page=NEW)
    assert response.status_code == 422
    page = _page(response)
    errors = {p["id"]: p.get_text() for p in page.select(".field-error")}
    assert errors == {
        "f-discovery_url-error": "Replace the {placeholders} with your own values.",
        "f-allowed_domains-error": "“acme” is not a domain, like acme.com.",
        "f-roles-error": "Choose at least one role this provider may sign in.",
        "f-group_map-error": "Line 1: there is no group called “No Such Group”.",
    }
    assert page.select_one("#f-name")["value"] == "Acme Entra"
    assert page.select_one("#f-client_secret").get("value") is None
    assert await session.scalar(select(SsoProvider.id)) is None


async def test_saving_without_a_secret_keeps_it_and_turning_off_hides_the_button(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    provider = await make_sso_provider(session, name="Okta", slug="okta", client_secret="kept")
    await login_as(client, await make_admin(session))
    path = f"/manage/sign-in-providers/{provider.id}"
    edit = {**ENTRA_FORM, "name": "Okta", "client_secret": "", "group_map": "", "enabled": ""}
    assert (await post_form(client, path, edit, page=path)).status_code == 303
    await session.refresh(provider)
    assert (provider.client_secret, provider.enabled) == ("kept", False)
    await post_form(client, "/logout", {}, page="/")
    assert _page(await client.get("/login")).select(".sso-sign-in") == []


async def test_removing_a_provider_is_logged(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    provider = await make_sso_provider(session, name="Google", slug="google")
    await login_as(client, await make_admin(session))
    path = f"/manage/sign-in-providers/{provider.id}"
    response = await post_form(client, f"{path}/remove", {}, page=path)
    assert response.status_code == 303
    assert await session.scalar(select(SsoProvider.id).where(SsoProvider.id == provider.id)) is None
    actions = await session.scalars(
        select(AuditEntry.action).where(AuditEntry.target_type == "sso_provider")
    )
    assert "sso.provider_removed" in set(actions)


async def test_only_admins_manage_providers(
    session: AsyncSession, client: httpx.AsyncClient
) -> None:
    await login_as(client, await make_marketer(session))
    assert (await client.get("/manage/sign-in-providers/")).status_code == 403
    home = _page(await client.get("/"))
    assert "Sign-in providers" not in home.get_text()


@pytest.mark.parametrize("configured", [True, False])
async def test_migration_0035_adopts_the_provider_of_the_old_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, configured: bool
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}"
    run_migrations(url, "0028")
    if configured:
        monkeypatch.setenv(
            "OIDC_DISCOVERY_URL", "https://id.acme.example/.well-known/openid-configuration"
        )
        monkeypatch.setenv("OIDC_CLIENT_ID", "portal")
        monkeypatch.setenv("OIDC_CLIENT_SECRET", "old-secret")
        monkeypatch.setenv("OIDC_PROVIDER_NAME", "Acme ID")
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    run_migrations(url)
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            rows = list(await session.scalars(select(SsoProvider)))
    finally:
        await engine.dispose()
    if not configured:
        assert rows == []
        return
    [provider] = rows
    assert (provider.slug, provider.name, provider.client_id, provider.client_secret) == (
        "default",
        "Acme ID",
        "portal",
        "old-secret",
    )
    assert provider.enabled
    assert provider.role_set == set(Role)  # as before: every role, any domain
