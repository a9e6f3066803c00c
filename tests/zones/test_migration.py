"""Migration 0036 keys the existing week and month totals by the program's zone: with
PORTAL_TIME_ZONE set it rebuilds them from the ledger, on both engines."""

import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from portal.db import create_engine
from tests.conftest import drop_pg_database, empty_database_url, run_migrations

# Sunday 25 October 2026, 23:30 UTC: already Monday 00:30 in Berlin (CET since that night).
LATE_SUNDAY = datetime(2026, 10, 25, 23, 30, tzinfo=UTC)


@pytest.fixture
async def empty_url(backend: str, tmp_path: Path):
    url = await empty_database_url(backend, tmp_path, "rekey")
    yield url
    if backend == "postgresql":
        await drop_pg_database(f"portal_rekey_{os.getpid()}")


async def test_the_migration_rekeys_period_totals_for_portal_time_zone(
    empty_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_migrations(empty_url, "0028")
    engine = create_engine(empty_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO users (id, email, display_name, status, company, job_title,"
                    " referral_code, created_at) VALUES (1, 'ada@example.com', 'Ada', 'active',"
                    " '', '', 'ADA1', :at)"
                ),
                {"at": LATE_SUNDAY},
            )
            await connection.execute(
                text(
                    "INSERT INTO points_ledger (user_id, kind, delta, counts_toward_lifetime,"
                    " balance_after, reason, idempotency_key, created_at)"
                    " VALUES (1, 'award', 100, :yes, 100, 'r', 'k1', :at)"
                ),
                {"yes": True, "at": LATE_SUNDAY},
            )
            # As record_totals kept them in a UTC program: the week of 19 October.
            for period, start in (("week", date(2026, 10, 19)), ("month", date(2026, 10, 1))):
                await connection.execute(
                    text(
                        "INSERT INTO points_period_totals (period, period_start, user_id, points)"
                        " VALUES (:period, :start, 1, 100)"
                    ),
                    {"period": period, "start": start},
                )
        monkeypatch.setenv("PORTAL_TIME_ZONE", "Europe/Berlin")
        run_migrations(empty_url, "0036")
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT period, period_start, points FROM points_period_totals")
            )
            found = {(period, str(start)[:10], points) for period, start, points in rows}
        assert found == {("week", "2026-10-26", 100), ("month", "2026-10-01", 100)}
    finally:
        await engine.dispose()
