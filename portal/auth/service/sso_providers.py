"""The list of single sign-on providers (Manage → Sign-in providers), with presets for the
providers companies use and what each needs to know about their quirks."""

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit import service as audit
from portal.auth.models import SsoProvider
from portal.clock import utcnow
from portal.errors import NotFound
from portal.i18n import N_, gettext
from portal.parsing import InvalidInput
from portal.people.models import Group, Role, User

# Paths under /login/sso/ that are not a provider.
RESERVED_SLUGS = frozenset({"callback", "waiting"})
# The provider adopted from the OIDC_* settings: its redirect URI is /login/sso/callback.
LEGACY_SLUG = "default"


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    discovery_url: str  # with {placeholders} for the admin to fill in
    group_claim: str
    notes: str


PRESETS = [
    Preset(
        "entra",
        "Microsoft Entra ID",
        "https://login.microsoftonline.com/{tenant-id}/v2.0/.well-known/openid-configuration",
        "groups",
        N_(
            "Sends no email_verified for organisational accounts: list your own domains under "
            "“Authoritative domains”. The groups claim holds group object IDs (turn it on under "
            "Token configuration); someone in more than 200 groups gets none, and keeps their "
            "groups unchanged here."
        ),
    ),
    Preset(
        "google",
        "Google",
        "https://accounts.google.com/.well-known/openid-configuration",
        "",
        N_(
            "Sends email_verified. Sends no groups. Anyone with a Google account can sign in "
            "unless “Allowed domains” limits it to your Workspace domains."
        ),
    ),
    Preset(
        "okta",
        "Okta",
        "https://{your-okta-domain}/oauth2/default/.well-known/openid-configuration",
        "groups",
        N_(
            "Sends email_verified. Add a groups claim to the authorization server (Security → "
            "API → Claims, filter e.g. Matches regex .*), included in the ID token."
        ),
    ),
    Preset(
        "keycloak",
        "Keycloak",
        "https://{keycloak-host}/realms/{realm}/.well-known/openid-configuration",
        "groups",
        N_(
            "email_verified is the realm's “Email verified” flag for each user. Groups need a "
            "“Group Membership” mapper on the client's dedicated scope; with “Full group path” on, "
            "the values look like /staff."
        ),
    ),
    Preset(
        "auth0",
        "Auth0",
        "https://{your-tenant}.auth0.com/.well-known/openid-configuration",
        "https://{your-namespace}/groups",
        N_(
            "Sends email_verified (false for unconfirmed database users). Groups or roles come "
            "only from an Action that adds a namespaced claim (a URL) to the ID token."
        ),
    ),
    Preset("generic", N_("Another OpenID Connect provider"), "", "", ""),
]
PRESET_BY_KEY = {preset.key: preset for preset in PRESETS}


@dataclass(frozen=True)
class GroupMapping:
    value: str
    group: Group


@dataclass(frozen=True)
class ProviderFields:
    name: str
    preset: str
    discovery_url: str
    client_id: str
    client_secret: str | None  # None keeps the stored one
    allowed_domains: list[str]
    authoritative_domains: list[str]
    roles: list[Role]
    group_claim: str
    group_map: list[GroupMapping]
    enabled: bool


async def list_providers(session: AsyncSession) -> list[SsoProvider]:
    rows = await session.scalars(select(SsoProvider).order_by(SsoProvider.position, SsoProvider.id))
    return list(rows)


async def enabled_providers(session: AsyncSession) -> list[SsoProvider]:
    """The sign-in page's buttons, in the list's order."""
    return [provider for provider in await list_providers(session) if provider.enabled]


async def get_provider(session: AsyncSession, provider_id: int) -> SsoProvider:
    provider = await session.get(SsoProvider, provider_id)
    if provider is None:
        raise NotFound()
    return provider


async def provider_for_slug(session: AsyncSession, slug: str) -> SsoProvider:
    """An enabled provider, by the slug in its sign-in and callback URLs."""
    provider = await session.scalar(
        select(SsoProvider).where(SsoProvider.slug == slug, SsoProvider.enabled.is_(True))
    )
    if provider is None:
        raise NotFound()
    return provider


def parse_domains(text: str) -> list[str]:
    """Domains separated by spaces, commas or lines; `@acme.com` reads as acme.com."""
    domains = [part.strip().lstrip("@").lower() for part in re.split(r"[\s,;]+", text)]
    bad = [domain for domain in domains if domain and not DOMAIN.fullmatch(domain)]
    if bad:
        raise InvalidInput(
            gettext("“%(domain)s” is not a domain, like acme.com.") % {"domain": bad[0]}
        )
    return sorted(set(filter(None, domains)))


DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


async def parse_group_map(session: AsyncSession, text: str) -> list[GroupMapping]:
    """Lines of `claim value = group name`; the groups must exist and not be segments."""
    mappings: list[GroupMapping] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        value, equals, name = line.rpartition("=")
        value, name = value.strip(), name.strip()
        if not equals or not value or not name:
            raise InvalidInput(
                gettext("Line %(line)s: write it as claim value = group name.") % {"line": number}
            )
        group = await session.scalar(select(Group).where(func.lower(Group.name) == name.lower()))
        if group is None:
            raise InvalidInput(
                gettext("Line %(line)s: there is no group called “%(name)s”.")
                % {"line": number, "name": name}
            )
        if group.is_dynamic:
            raise InvalidInput(
                f"Line {number}: “{group.name}” is a segment; its rules decide its members."
            )
        mappings.append(GroupMapping(value=value[:200], group=group))
    return mappings


async def group_map_text(session: AsyncSession, provider: SsoProvider) -> str:
    """The mapping as the form shows it (mappings to deleted groups are left out)."""
    ids = [int(row["group_id"]) for row in provider.group_map]
    rows = await session.execute(select(Group.id, Group.name).where(Group.id.in_(ids)))
    names: dict[int, str] = dict(rows.all())
    return "\n".join(
        f"{row['value']} = {names[int(row['group_id'])]}"
        for row in provider.group_map
        if int(row["group_id"]) in names
    )


async def create_provider(
    session: AsyncSession, *, actor: User | None, fields: ProviderFields, slug: str | None = None
) -> SsoProvider:
    position = await session.scalar(select(func.coalesce(func.max(SsoProvider.position), 0)))
    provider = SsoProvider(
        slug=slug or await _free_slug(session, fields.name),
        client_secret="",
        position=(position or 0) + 1,
    )
    _apply(provider, fields)
    session.add(provider)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="sso.provider_added",
        target_type="sso_provider",
        target_id=provider.id,
        summary=f"Sign-in provider {provider.name} added",
    )
    return provider


async def update_provider(
    session: AsyncSession, provider: SsoProvider, *, actor: User, fields: ProviderFields
) -> None:
    _apply(provider, fields)
    provider.updated_at = utcnow()
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="sso.provider_changed",
        target_type="sso_provider",
        target_id=provider.id,
        summary=f"Sign-in provider {provider.name} changed"
        + ("" if provider.enabled else " (turned off)"),
    )


async def delete_provider(session: AsyncSession, provider: SsoProvider, *, actor: User) -> None:
    """Linked identities stay (their issuer and subject still sign in if the provider is added
    again); people sign in with their password meanwhile."""
    await audit.record(
        session,
        actor=actor,
        action="sso.provider_removed",
        target_type="sso_provider",
        target_id=provider.id,
        summary=f"Sign-in provider {provider.name} removed",
    )
    await session.delete(provider)
    await session.flush()


def _apply(provider: SsoProvider, fields: ProviderFields) -> None:
    provider.name = fields.name
    provider.preset = fields.preset
    provider.discovery_url = fields.discovery_url
    provider.client_id = fields.client_id
    if fields.client_secret is not None:
        provider.client_secret = fields.client_secret
    provider.allowed_domains = " ".join(fields.allowed_domains)
    provider.authoritative_domains = " ".join(fields.authoritative_domains)
    provider.roles = " ".join(role.value for role in fields.roles)
    provider.group_claim = fields.group_claim
    provider.group_map = [
        {"value": mapping.value, "group_id": mapping.group.id} for mapping in fields.group_map
    ]
    provider.enabled = fields.enabled


async def _free_slug(session: AsyncSession, name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:30] or "provider"
    if base in RESERVED_SLUGS or base == LEGACY_SLUG:
        base = f"{base}-sso"
    taken = set(
        await session.scalars(select(SsoProvider.slug).where(SsoProvider.slug.like(f"{base}%")))
    )
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug
