"""Making, finding and revoking API tokens. The secret is shown once; only its hash is kept and
it is compared in constant time. Rate counting without Redis lives here too, in the database."""

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal.api_tokens.models import ApiRateWindow, ApiToken, Scope
from portal.audit import service as audit
from portal.clock import utcnow
from portal.errors import NotFound, PortalError
from portal.i18n import N_
from portal.people.models import Role, User, UserRole, UserStatus
from portal.tokens import hash_token, same_hash

SECRET_PREFIX = "ap_"  # noqa: S105 (marks our tokens in secret scanners, is no secret)


class TokenNotValid(PortalError):
    """A token that cannot be made; `field` names the form field at fault (the message is in
    the reader's language, so it cannot tell)."""

    status_code = 422

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown to the admin once, never stored


async def create_token(
    session: AsyncSession,
    *,
    actor: User,
    name: str,
    scopes: frozenset[Scope],
    expires_at: datetime | None,
    secret: str | None = None,
) -> NewToken:
    """A new token; `secret` only for the demo's documented laptop token, else a fresh one."""
    if not scopes:
        raise TokenNotValid("scopes", N_("Choose at least one scope."))
    if expires_at is not None and expires_at <= utcnow():
        raise TokenNotValid("expires_at", N_("Choose an expiry date in the future, or none."))
    if secret is None:
        secret = f"{SECRET_PREFIX}{secrets.token_hex(4)}_{secrets.token_urlsafe(32)}"
    prefix = secret.removeprefix(SECRET_PREFIX).partition("_")[0]
    token = ApiToken(
        name=name,
        prefix=prefix,
        secret_hash=hash_token(secret),
        scopes=" ".join(sorted(scope.value for scope in scopes)),
        created_by_id=actor.id,
        expires_at=expires_at,
    )
    session.add(token)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="api_token.created",
        target_type="api_token",
        target_id=token.id,
        summary=f"API token “{name}” ({token.scopes})",
        after={
            "scopes": token.scopes,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return NewToken(token=token, secret=secret)


async def list_tokens(session: AsyncSession) -> list[ApiToken]:
    rows = await session.scalars(
        select(ApiToken)
        .options(selectinload(ApiToken.created_by))
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id)
    )
    return list(rows)


async def revoke_token(session: AsyncSession, *, actor: User, token_id: int) -> ApiToken:
    token = await session.get(ApiToken, token_id)
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        await audit.record(
            session,
            actor=actor,
            action="api_token.revoked",
            target_type="api_token",
            target_id=token.id,
            summary=f"API token “{token.name}” revoked",
        )
    return token


async def _made_by_an_admin(session: AsyncSession, token: ApiToken) -> bool:
    found = await session.scalar(
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            User.id == token.created_by_id,
            User.status == UserStatus.ACTIVE,
            UserRole.role == Role.ADMIN,
        )
    )
    return found is not None


async def authenticate(session: AsyncSession, secret: str, *, address_hash: str) -> ApiToken | None:
    """The live token this secret belongs to, stamped as used; None for anything else (unknown,
    wrong, revoked or expired, or made by someone who is no longer an active admin: a token
    acts in its maker's name) so a caller can't tell which."""
    body = secret.removeprefix(SECRET_PREFIX)
    prefix = body.partition("_")[0]
    if not secret.startswith(SECRET_PREFIX) or not prefix or len(prefix) > 16:
        return None
    token = await session.scalar(select(ApiToken).where(ApiToken.prefix == prefix))
    now = utcnow()
    if token is None or not same_hash(token.secret_hash, secret) or not token.is_live(now):
        return None
    if not await _made_by_an_admin(session, token):
        return None
    token.last_used_at = now
    token.last_used_address_hash = address_hash
    return token


async def count_request(session: AsyncSession, *, token_id: int, minute: int) -> int:
    """Counts one request in the token's current minute; returns the count so far, as every
    worker sees it (an upsert: two workers never both insert the first row)."""
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ApiRateWindow)
    statement = (
        insert.values(token_id=token_id, minute=minute, count=1)
        .on_conflict_do_update(
            index_elements=["token_id", "minute"], set_={"count": ApiRateWindow.count + 1}
        )
        .returning(ApiRateWindow.count)
    )
    count = await session.scalar(statement)
    # Windows older than a few minutes are never read again.
    await session.execute(
        delete(ApiRateWindow).where(
            ApiRateWindow.token_id == token_id, ApiRateWindow.minute < minute - 5
        )
    )
    return int(count or 0)
