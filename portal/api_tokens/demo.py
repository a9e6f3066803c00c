"""The demo's API token, with a secret the README prints so a laptop run can try the API (and
scripts/crm_sync.py) at once. It is made through the real service and stored hashed."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.api_tokens import service
from portal.api_tokens.models import ApiToken, Scope
from portal.people.models import User

DEMO_API_SECRET = "ap_demo0000_acme-laptop-demo-token"  # noqa: S105 (a demo's, printed on purpose)


async def ensure_token(session: AsyncSession, admin: User) -> None:
    prefix = DEMO_API_SECRET.removeprefix(service.SECRET_PREFIX).partition("_")[0]
    if await session.scalar(select(ApiToken.id).where(ApiToken.prefix == prefix)) is None:
        await service.create_token(
            session,
            actor=admin,
            name="Demo CRM (laptop only)",
            scopes=frozenset(Scope),
            expires_at=None,
            secret=DEMO_API_SECRET,
        )
