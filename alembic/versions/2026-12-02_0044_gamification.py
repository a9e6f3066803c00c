"""gamification: levels multiply awards (the multiplier recorded on the ledger row), a marketer
can keep a person at a floor level (`points_balances.floor_level_id`), and a reward can require
a level (`reward_levels`)

Revision ID: 0044
Revises: 0039
Create Date: 2026-12-02 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0044"
down_revision: str | None = "0039"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN: rebuilding `levels` (a batch) on SQLite would cascade to the rows that
    # reference it.
    op.add_column(
        "levels",
        sa.Column("multiplier_percent", sa.Integer(), server_default="100", nullable=False),
    )
    op.add_column(
        "levels",
        sa.Column(
            "multiplies", sa.String(length=100), server_default="challenge,content", nullable=False
        ),
    )
    op.add_column("points_ledger", sa.Column("multiplier_percent", sa.Integer(), nullable=True))
    op.create_table(
        "reward_levels",
        sa.Column("reward_id", sa.Integer(), nullable=False),
        sa.Column("level_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["level_id"],
            ["levels.id"],
            name=op.f("fk_reward_levels_level_id_levels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reward_id"],
            ["rewards.id"],
            name=op.f("fk_reward_levels_reward_id_rewards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("reward_id", name=op.f("pk_reward_levels")),
    )
    op.create_index(op.f("ix_reward_levels_level_id"), "reward_levels", ["level_id"], unique=False)
    # Nothing references `points_balances`: rebuilding it on SQLite (to add a foreign key) is
    # safe.
    with op.batch_alter_table("points_balances", schema=None) as batch_op:
        batch_op.add_column(sa.Column("floor_level_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_points_balances_floor_level_id_levels"),
            "levels",
            ["floor_level_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("points_balances", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_points_balances_floor_level_id_levels"), type_="foreignkey"
        )
        batch_op.drop_column("floor_level_id")
    op.drop_index(op.f("ix_reward_levels_level_id"), table_name="reward_levels")
    op.drop_table("reward_levels")
    op.drop_column("points_ledger", "multiplier_percent")
    op.drop_column("levels", "multiplies")
    op.drop_column("levels", "multiplier_percent")
