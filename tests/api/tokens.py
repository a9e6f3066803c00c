"""API tokens for the tests, made through the real service."""

from sqlalchemy.ext.asyncio import AsyncSession

from portal.api_tokens import service as tokens
from portal.api_tokens.models import Scope
from portal.people.models import User
from tests.factories import make_admin

ALL_SCOPES = frozenset(Scope)


async def make_token(
    session: AsyncSession, *, scopes: frozenset[Scope] = ALL_SCOPES, admin: User | None = None
) -> tokens.NewToken:
    admin = admin or await make_admin(session)
    return await tokens.create_token(
        session, actor=admin, name="CRM", scopes=scopes, expires_at=None
    )


def bearer(made: tokens.NewToken) -> dict[str, str]:
    return {"Authorization": f"Bearer {made.secret}"}
