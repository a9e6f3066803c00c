"""The readiness checks: what a load balancer asks `/readyz` before it sends a host traffic, and
what `portal doctor` prints for a person, with advice.

Each check has its own time limit, so a database or Redis that hangs makes the answer a prompt
"unavailable" instead of a probe that times out. A check that cannot run because another one
failed (migrations without a database) or has nothing to check (Redis when REDIS_URL is not set)
is skipped: only failures make the host unready."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from alembic.script import ScriptDirectory
from redis.asyncio import Redis
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portal.config import ROOT, Settings
from portal.db import begin_reading
from portal.files import backends
from portal.files.storage import Storage

CHECK_SECONDS = 3.0


class Status(StrEnum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str  # what was found, for a person (never sent by /readyz: it may name hosts)
    advice: str = ""  # what to do about a failure

    @property
    def failed(self) -> bool:
        return self.status is Status.FAILED


@dataclass(frozen=True)
class Report:
    checks: tuple[Check, ...]

    @property
    def ready(self) -> bool:
        return not any(check.failed for check in self.checks)

    @property
    def failed(self) -> list[str]:
        return [check.name for check in self.checks if check.failed]

    def as_json(self) -> dict[str, object]:
        return {
            "status": "ready" if self.ready else "unavailable",
            "failed": self.failed,
            "checks": {check.name: check.status.value for check in self.checks},
        }


@cache
def migration_heads() -> frozenset[str]:
    """The revisions this version of the code expects (read once: the code does not change
    while it runs)."""
    return frozenset(ScriptDirectory(str(ROOT / "alembic")).get_heads())


def _reason(error: BaseException) -> str:
    """One line: SQLAlchemy's messages go on with the statement and a link."""
    if isinstance(error, TimeoutError):
        return f"no answer within {CHECK_SECONDS:g} s"
    cause = error.orig if isinstance(error, DBAPIError) and error.orig else error
    first_line = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {first_line}".rstrip(": ")


async def _within_limit(name: str, advice: str, probe: Callable[[], Awaitable[Check]]) -> Check:
    try:
        async with asyncio.timeout(CHECK_SECONDS):
            return await probe()
    except Exception as error:  # any failure of the probed service is the check's answer
        return Check(name, Status.FAILED, _reason(error), advice)


async def check_database(
    sessionmaker: async_sessionmaker[AsyncSession], database_url: str
) -> tuple[Check, Check]:
    """The database answers, and its schema is the one this code was written for."""
    shown = make_url(database_url).render_as_string(hide_password=True)
    versions: set[str] = set()

    async def probe() -> Check:
        async with sessionmaker() as session:
            await begin_reading(session)  # on SQLite: no write lock for a load balancer's probe
            await session.execute(text("SELECT 1"))
            try:
                async with session.begin_nested():
                    rows = await session.execute(text("SELECT version_num FROM alembic_version"))
                    versions.update(str(version) for version in rows.scalars())
            except DBAPIError:  # no alembic_version table: a database never migrated
                pass
        return Check("database", Status.OK, f"answered ({shown})")

    database = await _within_limit(
        "database", f"Start the database or correct DATABASE_URL ({shown}).", probe
    )
    if database.failed:
        return database, Check("migrations", Status.SKIPPED, "not checked: no database")
    return database, _migrations(frozenset(versions))


def _migrations(versions: frozenset[str]) -> Check:
    expected = migration_heads()
    names = ", ".join(sorted(versions)) or "no revision (never migrated)"
    if versions == expected:
        return Check("migrations", Status.OK, f"at head ({names})")
    return Check(
        "migrations",
        Status.FAILED,
        f"the database is at {names}; this version needs {', '.join(sorted(expected))}",
        "Run `portal migrate` once (from any one host), then restart the web processes. If "
        "the database is ahead of this version, this host runs an older release than the "
        "one that migrated it: deploy the new release here.",
    )


async def check_redis(redis_url: str | None) -> Check:
    if not redis_url:
        return Check("redis", Status.SKIPPED, "REDIS_URL is not set: jobs run in the web process")
    shown = make_url(redis_url).render_as_string(hide_password=True)

    async def probe() -> Check:
        client = Redis.from_url(
            redis_url, socket_connect_timeout=CHECK_SECONDS, socket_timeout=CHECK_SECONDS
        )
        try:
            await client.ping()
        finally:
            await client.aclose()
        return Check("redis", Status.OK, f"answered ({shown})")

    return await _within_limit(
        "redis",
        f"Start Redis or correct REDIS_URL ({shown}). Until it answers, jobs wait in the web "
        "processes and the database sweeps send them later.",
        probe,
    )


async def check_storage(storage: Storage, where: str) -> Check:
    async def probe() -> Check:
        await storage.probe()
        return Check("storage", Status.OK, f"writable ({where})")

    return await _within_limit(
        "storage",
        f"Uploads cannot be kept in {where}: make the directory exist and writable by the "
        "portal's user, or (STORAGE_URL) check the bucket, S3_ENDPOINT_URL and the keys.",
        probe,
    )


async def run_checks(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], storage: Storage
) -> Report:
    (database, migrations), redis, stored = await asyncio.gather(
        check_database(sessionmaker, settings.database_url),
        check_redis(settings.redis_url),
        check_storage(storage, backends.where(settings)),
    )
    return Report((database, migrations, redis, stored))
