"""gamification: levels multiply awards (the multiplier recorded on the ledger row), a marketer
can keep a person at a floor level, and a reward can require a level (`reward_levels`)

Revision ID: 0044
Revises: 0038
Create Date: 2026-12-02 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0044"
down_revision: str | None = "0038"
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
    op.create_table(
        "points_level_floors",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("level_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["level_id"],
            ["levels.id"],
            name=op.f("fk_points_level_floors_level_id_levels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"],
            ["users.id"],
            name=op.f("fk_points_level_floors_set_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_points_level_floors_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_points_level_floors")),
    )


def downgrade() -> None:
    op.drop_table("points_level_floors")
    op.drop_index(op.f("ix_reward_levels_level_id"), table_name="reward_levels")
    op.drop_table("reward_levels")
    op.drop_column("points_ledger", "multiplier_percent")
    op.drop_column("levels", "multiplies")
    op.drop_column("levels", "multiplier_percent")
