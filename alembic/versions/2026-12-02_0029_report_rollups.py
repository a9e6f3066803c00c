"""report rollups: advocates active and people awarded points per day, points issued per person
per day (kept by the visit and the ledger transaction), backfilled; referrals, first content
uses and redemptions indexed by time

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-02 03:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0029"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE_SHARDS = 16  # portal.people.models.ACTIVE_SHARDS when this migration was written
DAILY_SHARDS = 64  # portal.points.models.DAILY_SHARDS


def upgrade() -> None:
    op.create_table(
        "user_daily_actives",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("advocates", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "shard", name=op.f("pk_user_daily_actives")),
    )
    op.create_table(
        "points_daily_earners",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("earners", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "shard", name=op.f("pk_points_daily_earners")),
    )
    op.create_table(
        "points_issued_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_points_issued_days_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("day", "user_id", name=op.f("pk_points_issued_days")),
    )
    op.create_index("ix_referrals_created_at", "referrals", ["created_at"])
    op.create_index("ix_content_asset_uses_first_used_at", "content_asset_uses", ["first_used_at"])
    op.create_index("ix_redemptions_fulfilled_at", "redemptions", ["fulfilled_at"])
    op.create_index("ix_redemptions_created_at", "redemptions", ["created_at"])
    # Advocates by their role today: the visits before this migration kept no role.
    op.execute(
        "INSERT INTO user_daily_actives (day, shard, advocates) "  # noqa: S608 (constants only)
        f"SELECT day, user_id % {ACTIVE_SHARDS}, COUNT(*) FROM user_active_days "
        "WHERE user_id IN (SELECT user_id FROM user_roles WHERE role = 'advocate') "
        f"GROUP BY day, user_id % {ACTIVE_SHARDS}"
    )
    op.execute(
        "INSERT INTO points_daily_earners (day, shard, earners) "  # noqa: S608 (constants only)
        f"SELECT day, user_id % {DAILY_SHARDS}, COUNT(*) FROM points_earned_days "
        f"GROUP BY day, user_id % {DAILY_SHARDS}"
    )
    # The UTC day of a ledger row: PostgreSQL keeps timestamptz, SQLite an ISO text in UTC.
    day = (
        "(created_at AT TIME ZONE 'UTC')::date"
        if op.get_bind().dialect.name == "postgresql"
        else "date(created_at)"
    )
    op.execute(
        "INSERT INTO points_issued_days (day, user_id, points) "  # noqa: S608 (constants only)
        f"SELECT {day}, user_id, SUM(delta) FROM points_ledger "
        "WHERE kind IN ('award', 'adjust') AND delta > 0 "
        f"GROUP BY {day}, user_id"
    )


def downgrade() -> None:
    op.drop_index("ix_redemptions_created_at", table_name="redemptions")
    op.drop_index("ix_redemptions_fulfilled_at", table_name="redemptions")
    op.drop_index("ix_content_asset_uses_first_used_at", table_name="content_asset_uses")
    op.drop_index("ix_referrals_created_at", table_name="referrals")
    op.drop_table("points_issued_days")
    op.drop_table("points_daily_earners")
    op.drop_table("user_daily_actives")
