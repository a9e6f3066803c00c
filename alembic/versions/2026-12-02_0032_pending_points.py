"""pending points and clawback: ledger rows that wait to be released, and what a clawback owes

Revision ID: 0032
Revises: 0028
Create Date: 2026-12-02 03:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0032"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("points_ledger", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("state", sa.String(length=10), server_default="posted", nullable=False)
        )
        batch_op.add_column(sa.Column("pending_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("hold_reason", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("original_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_points_ledger_original_id_points_ledger"),
            "points_ledger",
            ["original_id"],
            ["id"],
        )
        batch_op.create_index(
            "ix_points_ledger_pending_until",
            ["pending_until"],
            unique=False,
            postgresql_where=sa.text("state = 'pending'"),
            sqlite_where=sa.text("state = 'pending'"),
        )
        batch_op.create_index(
            "ix_points_ledger_original_id",
            ["original_id"],
            unique=False,
            postgresql_where=sa.text("original_id IS NOT NULL"),
            sqlite_where=sa.text("original_id IS NOT NULL"),
        )
    with op.batch_alter_table("points_balances", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owed", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_check_constraint(
            batch_op.f("ck_points_balances_owed_not_negative"), "owed >= 0"
        )


def downgrade() -> None:
    with op.batch_alter_table("points_balances", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_points_balances_owed_not_negative"), type_="check")
        batch_op.drop_column("owed")
    with op.batch_alter_table("points_ledger", schema=None) as batch_op:
        batch_op.drop_index("ix_points_ledger_original_id")
        batch_op.drop_index("ix_points_ledger_pending_until")
        batch_op.drop_constraint(
            batch_op.f("fk_points_ledger_original_id_points_ledger"), type_="foreignkey"
        )
        batch_op.drop_column("original_id")
        batch_op.drop_column("hold_reason")
        batch_op.drop_column("pending_until")
        batch_op.drop_column("state")
