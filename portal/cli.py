"""The `portal` command: run, worker, migrate, seed-demo, create-admin, webhook-receiver."""

import asyncio
import getpass
import os
import sys
from pathlib import Path

import click
from alembic.config import Config

from portal.config import ROOT, Settings

METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"


@click.group()
def main() -> None:
    """Advocate Portal: run the web app, the job worker, migrations and demo data."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--workers", default=1, show_default=True, help="uvicorn worker processes")
@click.option("--reload", is_flag=True, help="restart when the code changes (development)")
def run(host: str, port: int, workers: int, reload: bool) -> None:
    """Serve the portal (and run background jobs in-process when REDIS_URL is not set)."""
    import shutil
    import tempfile

    import uvicorn

    from portal.operations.logs import log_config

    settings = Settings()
    if workers > 1 and not settings.redis_url:
        click.echo("Several workers need REDIS_URL for background jobs; using one worker.")
        workers = 1
    made_metrics_dir = None
    if workers > 1 and not os.environ.get(METRICS_DIR):
        # The workers add up their metrics in files here (portal.operations.metrics); the
        # variable must be set before they start, as prometheus_client reads it on import.
        made_metrics_dir = tempfile.mkdtemp(prefix="portal-metrics-")
        os.environ[METRICS_DIR] = made_metrics_dir
    try:
        uvicorn.run(
            "portal.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            reload=reload,
            proxy_headers=False,  # the app believes proxies only from FORWARDED_ALLOW_IPS
            log_config=log_config(settings.log_format),
        )
    finally:
        if made_metrics_dir is not None:
            shutil.rmtree(made_metrics_dir, ignore_errors=True)


@main.command()
def worker() -> None:
    """Run the arq worker: background jobs and cron (needs REDIS_URL)."""
    import logging.config

    from arq.worker import run_worker

    from portal.operations.logs import log_config
    from portal.worker import worker_settings

    settings = Settings()
    logging.config.dictConfig(log_config(settings.log_format))
    if not settings.redis_url:
        raise click.UsageError(
            "Set REDIS_URL to run a worker (without it, `portal run` runs jobs)."
        )
    run_worker(worker_settings(settings))


def alembic_config(database_url: str) -> "Config":
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@main.command()
@click.argument("revision", default="head")
def migrate(revision: str) -> None:
    """Bring the database schema up to date (Alembic)."""
    from alembic import command

    settings = Settings()
    if settings.is_sqlite:
        Path(settings.database_url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(settings.database_url), revision)
    click.echo(f"Database is at {revision}.")


@main.command()
def doctor() -> None:
    """Check what the portal needs (database, migrations, Redis, storage) and say what to do
    about anything missing; exits 1 when a check fails (the checks of /readyz)."""
    from portal.operations.doctor import diagnose

    report = asyncio.run(diagnose(Settings()))
    for line in report.lines():
        click.echo(line)
    if not report.ready:
        raise SystemExit(1)


@main.command("seed-demo")
def seed_demo() -> None:
    """Load demo data (safe to run again: nothing is duplicated) and print the demo logins."""
    from portal.api_tokens.demo import DEMO_API_SECRET
    from portal.demo import DEMO_PASSWORD, seed

    settings = Settings()
    logins = asyncio.run(seed(settings))
    click.echo("")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD})")
    for role, email in logins:
        click.echo(f"  {role:<18} {email}")
    click.echo("")
    click.echo(f"Demo API token (laptop only, every scope): {DEMO_API_SECRET}")
    click.echo(f"  API reference: {settings.base_url}/api/v1/docs")
    click.echo("")
    click.echo(f"Open {settings.base_url}")


@main.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt="Display name")
def create_admin(email: str, name: str) -> None:
    """Create an admin account (asks for the password)."""
    from portal.demo import create_admin as make_admin

    password = (
        getpass.getpass("Password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    )
    try:
        asyncio.run(make_admin(Settings(), email=email, name=name, password=password))
    except Exception as error:  # a rule refused it: say which, without a traceback
        raise click.ClickException(str(error)) from error
    click.echo(f"Admin {email} created. Sign in at {Settings().base_url}/login")


@main.command()
@click.option(
    "--to",
    "destination",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="directory for the archive [default: var/backups]",
)
def backup(destination: Path | None) -> None:
    """Write the database and every stored file into one archive (see the README's Backups)."""
    from portal.backup import BackupError
    from portal.backup import backup as write_backup
    from portal.files.backends import storage_of

    settings = Settings()
    folder = destination or settings.var_dir / "backups"
    try:
        path, manifest = asyncio.run(
            write_backup(settings.database_url, storage_of(settings), folder)
        )
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Backed up the {manifest.engine} database (schema {manifest.revision}) and "
        f"{manifest.files:,} files ({manifest.bytes:,} bytes) to {path}"
    )


@main.command()
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore(archive: Path) -> None:
    """Bring a backup back onto an empty database and upload directory, then migrate it."""
    from alembic import command
    from portal.backup import BackupError
    from portal.backup import restore as read_backup
    from portal.files.backends import storage_of

    settings = Settings()
    try:
        manifest = asyncio.run(read_backup(archive, settings.database_url, storage_of(settings)))
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    command.upgrade(alembic_config(settings.database_url), "head")
    click.echo(
        f"Restored the backup of {manifest.created_at}: the database (schema "
        f"{manifest.revision}, now migrated to this version's) and {manifest.files:,} files."
    )


@main.command("seed-bench")
@click.option("--advocates", default=100_000, show_default=True)
@click.option("--ledger", default=1_000_000, show_default=True, help="ledger rows")
@click.option("--entries", default=300_000, show_default=True, help="challenge entries")
@click.option("--referrals", default=50_000, show_default=True)
def seed_bench(advocates: int, ledger: int, entries: int, referrals: int) -> None:
    """Fill the database with a large program for the benchmarks under bench/."""
    import portal.models  # noqa: F401 (every mapper: the audit log's relationship names ApiToken)
    from portal.benchdata import AlreadySeeded, seed
    from portal.db import create_engine

    async def load() -> None:
        engine = create_engine(Settings().database_url)
        total = advocates * 2 + ledger * 2 + sum((10_000, 1_000, 100)) + entries + referrals * 3
        try:
            with click.progressbar(length=total, label="Seeding") as bar:
                async with engine.begin() as connection:
                    await seed(
                        connection,
                        advocates=advocates,
                        ledger=ledger,
                        entries=entries,
                        referrals=referrals,
                        progress=bar.update,
                    )
        finally:
            await engine.dispose()

    try:
        asyncio.run(load())
    except AlreadySeeded as error:
        raise click.ClickException(str(error)) from error
    # The staff pages are benchmarked too (bench/ceiling.py): one admin who is also marketer,
    # made through the account service like any other.
    from portal.benchdata import BENCH_PASSWORD, BENCH_STAFF
    from portal.demo import create_admin as make_admin

    asyncio.run(
        make_admin(Settings(), email=BENCH_STAFF, name="Bench Admin", password=BENCH_PASSWORD)
    )
    click.echo(f"Seeded {advocates:,} advocates and {ledger:,} ledger rows; staff: {BENCH_STAFF}.")


@main.command("webhook-receiver")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True)
@click.option(
    "--secret",
    "secrets",
    multiple=True,
    help="a whsec_ signing secret (repeatable); default: every endpoint's, from the database",
)
def webhook_receiver(host: str, port: int, secrets: tuple[str, ...]) -> None:
    """Receive the portal's webhooks here: check each signature and print each delivery."""
    import json

    import uvicorn

    from portal.webhooks.receiver import Received, Receiver

    known = list(secrets) or asyncio.run(_endpoint_secrets(Settings()))
    if not known:
        raise click.UsageError("No endpoint in the database yet: pass --secret whsec_…")

    def show(delivery: Received) -> None:
        click.echo(f"✓ signed  {delivery.event_type}  {delivery.message_id}")
        click.echo("  " + json.dumps(delivery.payload["data"], ensure_ascii=False)[:400])

    click.echo(f"Receiving webhooks on http://{host}:{port}/ ({len(known)} secret(s) accepted)")
    uvicorn.run(Receiver(known, on_delivery=show).app(), host=host, port=port, log_level="warning")


async def _endpoint_secrets(settings: Settings) -> list[str]:
    from portal.db import create_engine, create_sessionmaker
    from portal.webhooks.service.endpoints import signing_secrets

    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            return await signing_secrets(session)
    finally:
        await engine.dispose()
