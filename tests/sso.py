"""Single sign-on test helpers: a provider in the list, and what a provider asserts."""

import secrets
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth.models import SsoProvider
from portal.auth.service import sso_providers
from portal.auth.service.sso import Assertion
from portal.auth.service.sso_providers import GroupMapping, ProviderFields
from portal.people.models import Group, Role
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET

ISSUER = "https://id.acme.example"
EVERY_ROLE = tuple(Role)


async def make_sso_provider(
    session: AsyncSession,
    *,
    name: str = "Acme ID",
    discovery_url: str = "https://id.acme.example/.well-known/openid-configuration",
    client_id: str = CLIENT_ID,
    client_secret: str = CLIENT_SECRET,
    roles: Iterable[Role] = EVERY_ROLE,
    allowed_domains: Iterable[str] = (),
    authoritative_domains: Iterable[str] = (),
    group_claim: str = "",
    group_map: Iterable[tuple[str, Group]] = (),
    enabled: bool = True,
    preset: str = "generic",
    slug: str | None = None,
) -> SsoProvider:
    fields = ProviderFields(
        name=name,
        preset=preset,
        discovery_url=discovery_url,
        client_id=client_id,
        client_secret=client_secret,
        allowed_domains=list(allowed_domains),
        authoritative_domains=list(authoritative_domains),
        roles=list(roles),
        group_claim=group_claim,
        group_map=[GroupMapping(value=value, group=group) for value, group in group_map],
        enabled=enabled,
    )
    return await sso_providers.create_provider(session, actor=None, fields=fields, slug=slug)


def asserted(
    email: str,
    *,
    issuer: str = ISSUER,
    sub: str | None = None,
    verified: bool = True,
    name: str = "Ada Lovelace",
    company: str = "",
    job_title: str = "",
    groups: Iterable[str] | None = None,
) -> Assertion:
    return Assertion(
        issuer=issuer,
        subject=sub or secrets.token_hex(8),
        email=email,
        email_verified=verified,
        name=name,
        company=company,
        job_title=job_title,
        groups=None if groups is None else frozenset(groups),
    )
