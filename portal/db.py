"""The declarative base, engine and sessionmaker factories, and SQLite connection pragmas."""

import select
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, MetaData, event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session, UOWTransaction
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both engines (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


READ_ONLY = "portal_read_only"  # an execution option: this transaction only reads
READING = "reading"  # in session.info: this request only reads (what it writes waits for a job)
KEEP_ON_CLIENT_ERROR = "keep_on_client_error"  # in session.info: commit even under a 4xx
WROTE = "wrote"  # in session.info: this transaction sent a write


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    else:
        _replace_closed_connections(engine)
    return engine


def _replace_closed_connections(engine: AsyncEngine) -> None:
    """Survives a restarted database without a round trip per request (what `pool_pre_ping`
    costs): a pooled connection whose server went away (a restart, a failover,
    `pg_terminate_backend`) is replaced when it is lent, found by looking at its socket without
    asking the server. A connection that dies during a request fails that request only:
    SQLAlchemy then recycles every pooled connection made before it (its disconnect handling),
    so the next request starts on a fresh one."""

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def _on_checkout(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: Any) -> None:
        if _gone(dbapi_connection.driver_connection):
            raise DisconnectionError()  # the pool drops it and lends a new connection


def _gone(connection: Any) -> bool:
    """Whether an idle asyncpg connection is dead: closed as far as the driver knows, or its
    socket at end of stream or holding something the server sent unasked (its goodbye), which
    the driver may not have read yet. One `poll` system call, no waiting."""
    if connection.is_closed():
        return True
    # asyncpg has no public accessor for its transport.
    socket = connection._transport.get_extra_info("socket")
    if socket is None:
        return True
    poller = select.poll()
    poller.register(socket.fileno(), select.POLLIN | select.POLLRDHUP)
    return bool(poller.poll(0))


def _configure_sqlite(engine: AsyncEngine) -> None:
    """Foreign keys on, WAL, a busy timeout, and SQLAlchemy's documented SAVEPOINT workaround
    (the driver's own transaction handling would break begin_nested)."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE: a transaction takes the write lock up front and waits its turn (busy_timeout)
        # instead of failing when it later needs to write after another writer committed. A
        # request that only reads begins a plain (deferred) transaction: in WAL mode it reads a
        # snapshot while writers go on, and never waits for or holds the write lock.
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


async def begin_reading(session: AsyncSession) -> None:
    """Begins the session's transaction as one that only reads (what it means: see
    `_configure_sqlite`; PostgreSQL needs nothing of the kind)."""
    await session.connection(execution_options={READ_ONLY: True})
    session.info[READING] = True


def only_read(session: AsyncSession) -> bool:
    """Whether this request began as one that only reads and wrote nothing after all."""
    return bool(
        session.info.get(READING)
        and not session.info.get(WROTE)
        and not (session.new or session.dirty or session.deleted)
    )


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, flush: UOWTransaction) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True


def keep_despite_client_error(session: AsyncSession) -> None:
    """Commit this request's writes although it answers 4xx: for records of the refusal itself
    (a throttled attempt must count, or the throttle never holds). Call it only before any
    other write of the request; a 5xx still rolls everything back."""
    session.info[KEEP_ON_CLIENT_ERROR] = True


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def read_through(source: str, name: str, reader: Callable[[Any], str]) -> "hybrid_property[str]":
    """The attribute `name` of a model whose column is mapped as `source`: instances read it
    through `reader` (the reader's language), writing it writes the column, and queries use the
    column, labelled `name` (so `select(Model.title)` rows have `.title`)."""

    def write(self: Any, value: str) -> None:
        setattr(self, source, value)

    def column(cls: Any) -> Any:
        return getattr(cls, source).label(name)

    return hybrid_property(reader, write, expr=column)
