"""time zones: each person's own zone, week and month totals keyed by the program's zone, and
files attached to emails (an event's .ics)

The period totals were keyed by UTC weeks and months. The program's zone is PORTAL_TIME_ZONE
until an admin chooses another (nobody has yet: the setting is new). When it is UTC the keys
stay valid as they are; otherwise every week and month row is rebuilt from the ledger with the
zone's midnights (the same sums `record_totals` keeps: each ledger row that counts toward the
lifetime total, in the week and the month it falls in there).

Revision ID: 0036
Revises: 0028
Create Date: 2026-12-02 03:30:00
"""

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from alembic import op
from portal.config import Settings

revision: str = "0036"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5_000

ledger = sa.table(
    "points_ledger",
    sa.column("user_id", sa.Integer),
    sa.column("delta", sa.Integer),
    sa.column("counts_toward_lifetime", sa.Boolean),
    sa.column("created_at", sa.DateTime),
)
period_totals = sa.table(
    "points_period_totals",
    sa.column("period", sa.String),
    sa.column("period_start", sa.Date),
    sa.column("user_id", sa.Integer),
    sa.column("points", sa.Integer),
)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("time_zone", sa.String(length=60), nullable=False, server_default="")
        )
    with op.batch_alter_table("email_outbox") as batch:
        batch.add_column(sa.Column("attachments", sa.JSON(), nullable=True))
    zone_name = Settings().portal_time_zone
    if zone_name != "UTC":
        _rekey_periods(ZoneInfo(zone_name))


def _rekey_periods(zone: ZoneInfo) -> None:
    connection = op.get_bind()
    earned: Counter[tuple[str, date, int]] = Counter()
    # Streamed in batches: yield_per on the statement only (on the connection it would also
    # stream the inserts below, which PostgreSQL's server-side cursors cannot run as a batch).
    rows = connection.execute(
        sa.select(ledger.c.user_id, ledger.c.delta, ledger.c.created_at)
        .where(ledger.c.counts_toward_lifetime)
        .execution_options(yield_per=BATCH)
    )
    for user_id, delta, created_at in rows:
        moment = created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)
        day = moment.astimezone(zone).date()
        earned[("week", day - timedelta(days=day.weekday()), user_id)] += delta
        earned[("month", day.replace(day=1), user_id)] += delta
    connection.execute(sa.delete(period_totals))
    values = [
        {"period": period, "period_start": start, "user_id": user_id, "points": points}
        for (period, start, user_id), points in earned.items()
    ]
    for offset in range(0, len(values), BATCH):
        connection.execute(sa.insert(period_totals), values[offset : offset + BATCH])


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN on both engines (SQLite 3.35+): a batch rebuild would drop the
    # users table, which the ledger's rows refer to.
    op.execute("ALTER TABLE email_outbox DROP COLUMN attachments")
    op.execute("ALTER TABLE users DROP COLUMN time_zone")
