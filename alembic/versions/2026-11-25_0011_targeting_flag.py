"""targeting flag: rewards and challenges say "only for these groups" like content items do

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25 00:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table, link, key in (
        ("rewards", "reward_groups", "reward_id"),
        ("challenges", "challenge_groups", "challenge_id"),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("is_targeted", sa.Boolean(), nullable=False, server_default=sa.false())
            )
        # Targeted until now meant "has target rows": keep what each one meant.
        op.execute(
            f"UPDATE {table} SET is_targeted = EXISTS "  # noqa: S608 (fixed table names)
            f"(SELECT 1 FROM {link} WHERE {link}.{key} = {table}.id)"
        )


def downgrade() -> None:
    for table in ("challenges", "rewards"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("is_targeted")
