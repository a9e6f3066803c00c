"""Demo of single sign-on: the company's Entra ID tenant for staff and Google for advocates,
both configured in Manage → Sign-in providers but turned off (no provider answers in a demo),
and the marketer's account linked to Entra by an earlier sign-in, as her profile shows."""

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth.models import SsoProvider
from portal.auth.service import sso_providers
from portal.auth.service.sso import Assertion, sso_sign_in
from portal.auth.service.sso_providers import GroupMapping, ProviderFields
from portal.people.models import Group, Role, User

ENTRA_TENANT = "5f3c9e1a-0b7d-4c2e-9a61-3d8f2b7c4e10"
ENTRA_STAFF_GROUP = "b1e4f2a7-6c3d-4e8f-9a2b-1c5d7e9f0a3b"  # the tenant's "Marketing" group


async def seed(session: AsyncSession, users: dict[str, User]) -> None:
    if await session.scalar(select(exists().where(SsoProvider.id.is_not(None)))):
        return
    developers = await session.scalar(select(Group).where(Group.name == "Developers"))
    admin = users["admin@acme.example"]
    entra = await sso_providers.create_provider(
        session,
        actor=admin,
        fields=ProviderFields(
            name="Acme Entra ID",
            preset="entra",
            discovery_url=f"https://login.microsoftonline.com/{ENTRA_TENANT}/v2.0/"
            ".well-known/openid-configuration",
            client_id="0b8d6f2e-3a1c-4d5e-8f7a-9c2b1e4d6a80",
            client_secret="",
            allowed_domains=[],
            authoritative_domains=["acme.example"],
            roles=list(Role),
            group_claim="groups",
            group_map=[GroupMapping(value=ENTRA_STAFF_GROUP, group=developers)]
            if developers is not None
            else [],
            enabled=False,
        ),
    )
    await sso_providers.create_provider(
        session,
        actor=admin,
        fields=ProviderFields(
            name="Google",
            preset="google",
            discovery_url="https://accounts.google.com/.well-known/openid-configuration",
            client_id="1234567890-advocates.apps.googleusercontent.com",
            client_secret="",
            allowed_domains=[],
            authoritative_domains=[],
            roles=[Role.ADVOCATE],
            group_claim="",
            group_map=[],
            enabled=False,
        ),
    )
    marketer = users["marketer@acme.example"]
    # What Entra sent at her first sign-in: no email_verified; acme.example is authoritative.
    await sso_sign_in(
        session,
        provider=entra,
        assertion=Assertion(
            issuer=f"https://login.microsoftonline.com/{ENTRA_TENANT}/v2.0",
            subject="AAAAAAAAAAAAAAAAAAAAAMk3pT0x9yqB2nQfL8vWc1E",
            email=marketer.email,
            email_verified=False,
            name=marketer.display_name,
        ),
    )
