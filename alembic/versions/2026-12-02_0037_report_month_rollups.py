"""report month rollups: points issued per person per UTC month (kept beside the day rows by
the ledger transaction, backfilled from them), and the visits indexed by person then day

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-02 04:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "points_issued_months",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_points_issued_months_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("month", "user_id", name=op.f("pk_points_issued_months")),
    )
    if op.get_bind().dialect.name == "postgresql":
        month = "CAST(date_trunc('month', day) AS DATE)"
    else:
        month = "date(day, 'start of month')"
    op.execute(
        "INSERT INTO points_issued_months (month, user_id, points) "  # noqa: S608 (constants only)
        f"SELECT {month}, user_id, SUM(points) FROM points_issued_days GROUP BY {month}, user_id"
    )
    # (user_id, day) serves every lookup by person the single-column index served.
    op.drop_index("ix_user_active_days_user_id", table_name="user_active_days")
    op.create_index("ix_user_active_days_user_id_day", "user_active_days", ["user_id", "day"])


def downgrade() -> None:
    op.drop_index("ix_user_active_days_user_id_day", table_name="user_active_days")
    op.create_index("ix_user_active_days_user_id", "user_active_days", ["user_id"])
    op.drop_table("points_issued_months")
