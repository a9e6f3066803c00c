"""reports: days each person was active, and the ledger by time

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_active_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_active_days_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("day", "user_id", name=op.f("pk_user_active_days")),
    )
    op.create_index(
        op.f("ix_user_active_days_user_id"), "user_active_days", ["user_id"], unique=False
    )
    op.create_index("ix_points_ledger_created_at", "points_ledger", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_points_ledger_created_at", table_name="points_ledger")
    op.drop_index(op.f("ix_user_active_days_user_id"), table_name="user_active_days")
    op.drop_table("user_active_days")
