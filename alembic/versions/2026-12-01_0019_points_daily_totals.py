"""points daily totals: points moved per day by kind and source, the days each person earned
and when they first earned, kept by the ledger transaction for the reports; backfilled from
the ledger

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHARDS = 64  # portal.points.models.DAILY_SHARDS when this migration was written


def upgrade() -> None:
    op.create_table(
        "points_daily_totals",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("source_type", sa.String(length=40), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "kind", "source_type", "shard", name=op.f("pk_points_daily_totals")
        ),
    )
    op.create_table(
        "points_earned_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_points_earned_days_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("day", "user_id", name=op.f("pk_points_earned_days")),
    )
    op.create_index("ix_points_earned_days_user_id_day", "points_earned_days", ["user_id", "day"])
    with op.batch_alter_table("points_balances", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_earned_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE points_balances SET first_earned_at = (SELECT min(created_at) FROM points_ledger"
        " WHERE points_ledger.user_id = points_balances.user_id AND points_ledger.kind = 'award')"
    )
    # The UTC day of a ledger row: PostgreSQL keeps timestamptz, SQLite an ISO text in UTC.
    day = (
        "(created_at AT TIME ZONE 'UTC')::date"
        if op.get_bind().dialect.name == "postgresql"
        else "date(created_at)"
    )
    op.execute(
        "INSERT INTO points_daily_totals (day, kind, source_type, shard, added, removed) "  # noqa: S608 (constants only)
        f"SELECT {day}, kind, COALESCE(source_type, ''), user_id % {SHARDS}, "
        "SUM(CASE WHEN delta > 0 THEN delta ELSE 0 END), "
        "SUM(CASE WHEN delta < 0 THEN delta ELSE 0 END) "
        f"FROM points_ledger GROUP BY {day}, kind, COALESCE(source_type, ''), user_id % {SHARDS}"
    )
    op.execute(
        "INSERT INTO points_earned_days (day, user_id) "  # noqa: S608 (constants only)
        f"SELECT DISTINCT {day}, user_id FROM points_ledger WHERE kind = 'award'"
    )


def downgrade() -> None:
    with op.batch_alter_table("points_balances", schema=None) as batch_op:
        batch_op.drop_column("first_earned_at")
    op.drop_index("ix_points_earned_days_user_id_day", table_name="points_earned_days")
    op.drop_table("points_earned_days")
    op.drop_table("points_daily_totals")
