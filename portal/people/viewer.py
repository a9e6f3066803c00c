"""What every request reads first, in one statement returning plain rows: the session of the
cookie's token, its user (without the password hash) and their roles, and the columns the app
adds (the program cache's version). The session and user become ORM rows of the request's
session without loading them again, so pages and services use them as before; a page that
needs the password hash reads it (`load_password_hash`)."""

import functools
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, and_, bindparam, func, inspect, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.elements import Label

from portal.people.models import User, UserRole, UserSession
from portal.tokens import hash_token

_SESSION = UserSession.__table__
_USER = User.__table__
USER_FIELDS = tuple(c.key for c in _USER.c if c.key != "password_hash")
SESSION_FIELDS = tuple(c.key for c in _SESSION.c)
T = TypeVar("T")


@functools.cache
def _statement(columns: tuple[Label[Any], ...]) -> Select[Any]:
    """Built once per set of extra columns. One row always (so the extra columns come without
    a session too): the session's and user's columns are NULL when the token opens none."""
    roles = (
        select(func.aggregate_strings(UserRole.role, ","))
        .where(UserRole.user_id == _USER.c.id)
        .scalar_subquery()
        .label("role_names")
    )
    one = select(literal(1).label("one")).subquery("one")
    opened = _SESSION.join(_USER, _USER.c.id == _SESSION.c.user_id)
    return select(
        *columns,
        *(_SESSION.c[name].label(f"s_{name}") for name in SESSION_FIELDS),
        *(_USER.c[name].label(f"u_{name}") for name in USER_FIELDS),
        roles,
    ).select_from(
        one.outerjoin(
            opened,
            and_(_SESSION.c.id == bindparam("token_hash"), _SESSION.c.revoked_at.is_(None)),
        )
    )


async def read_viewer(
    session: AsyncSession, *, token: str | None, columns: Sequence[Label[Any]] = ()
) -> tuple[UserSession | None, Mapping[str, Any]]:
    """The unrevoked session of the token with its user and roles (None without one), and the
    values of the extra columns by name. Whether the session may still be used is
    `sessions.still_live`'s to say."""
    token_hash = hash_token(token) if token else ""
    result = await session.execute(_statement(tuple(columns)), {"token_hash": token_hash})
    row = result.mappings().one()
    extras = {column.name: row[column.name] for column in columns}
    if row["s_id"] is None:
        return None, extras
    user = _persistent(session, User, {name: row[f"u_{name}"] for name in USER_FIELDS})
    roles = [
        _persistent(session, UserRole, {"user_id": user.id, "role": name})
        for name in sorted(filter(None, (row["role_names"] or "").split(",")))
    ]
    set_committed_value(user, "roles", roles)
    live = _persistent(session, UserSession, {name: row[f"s_{name}"] for name in SESSION_FIELDS})
    set_committed_value(live, "user", user)
    return live, extras


def _persistent(session: AsyncSession, model: type[T], values: dict[str, Any]) -> T:
    """The row as the session would hold it had it loaded it (no statement); the one the
    session holds already, if it does."""
    mapper_key = identity_key(model, _primary_key(model, values))
    held = session.sync_session.identity_map.get(mapper_key)
    if held is not None:
        return held
    row = model(**values)
    make_transient_to_detached(row)
    session.add(row)
    return row


def _primary_key(model: type[Any], values: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(values[column.key] for column in model.__table__.primary_key.columns)


async def load_password_hash(session: AsyncSession, user: User) -> None:
    """Reads the password hash of the signed-in user (the viewer statement leaves it out)."""
    if "password_hash" in inspect(user).unloaded:
        await session.refresh(user, ["password_hash"])
