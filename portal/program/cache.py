"""What every page reads and marketers rarely change (the program's and the referral settings,
levels, the badge catalog), kept per process and dropped on every worker at once.

Any flush that adds, changes or deletes a row of a watched model (program settings; points
watches levels and badges) writes a new random version into `program_settings`. Each request
reads that version in the same statement as its viewer (portal.people.access), and a worker
whose cached copy is of another version starts again: a marketer's change is seen by every
worker on its next request. Requests put the copy in their session's info; a process without
one (the worker, a script, a test calling services) reads as before."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.sql.elements import Label

from portal.program.models import ProgramSetting

VERSION_KEY = "cache:version"
VERSION_COLUMN = "catalog_version"
SESSION_KEY = "process_cache"  # in session.info: this request's copy (a dict)

T = TypeVar("T")
_watched: set[type[Any]] = {ProgramSetting}


class ProcessCache:
    """One per app (so per worker process): the values of one version."""

    def __init__(self) -> None:
        self.version: object = object()  # matches no version, so the first request loads
        self.values: dict[str, Any] = {}

    def at(self, version: object) -> dict[str, Any]:
        if version != self.version:
            self.version, self.values = version, {}
        return self.values


def version_column() -> Label[Any]:
    """The version, as a column of the request's first statement."""
    return (
        select(ProgramSetting.value)
        .where(ProgramSetting.key == VERSION_KEY)
        .scalar_subquery()
        .label(VERSION_COLUMN)
    )


def watch(*models: type[Any]) -> None:
    """Changes to these models' rows make every worker read them again."""
    _watched.update(models)


def use(session: AsyncSession, values: dict[str, Any]) -> None:
    session.info[SESSION_KEY] = values


async def cached(
    session: AsyncSession, name: str, load: Callable[[AsyncSession], Awaitable[T]]
) -> T:
    """`load(session)` once per version in a request; read afresh anywhere else. What `load`
    returns is shared by the worker's requests: plain values, or ORM rows taken out of the
    session (`detached`) and only read."""
    values: dict[str, Any] | None = session.info.get(SESSION_KEY)
    if values is None:
        return await load(session)
    if name not in values:
        values[name] = await load(session)
    result: T = values[name]
    return result


def detached(session: AsyncSession, rows: list[T]) -> list[T]:
    """The rows, out of the session: a rollback there never expires what other requests read."""
    for row in rows:
        session.expunge(row)
    return rows


def _changes_watched(session: Session) -> bool:
    for row in (*session.new, *session.dirty, *session.deleted):
        if type(row) in _watched and getattr(row, "key", None) != VERSION_KEY:
            return True
    return False


@event.listens_for(Session, "before_flush")
def _new_version(session: Session, flush: UOWTransaction, instances: object) -> None:
    if not _changes_watched(session):
        return
    connection = session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    version = uuid.uuid4().hex
    statement = insert(ProgramSetting).values(key=VERSION_KEY, value=version)
    connection.execute(
        statement.on_conflict_do_update(index_elements=["key"], set_={"value": version})
    )
    session.info.pop(SESSION_KEY, None)  # this transaction reads its own changes
