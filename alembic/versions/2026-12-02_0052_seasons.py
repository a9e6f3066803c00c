"""seasons: time-boxed leaderboards (`seasons`) with the points each person earned in them
(`season_totals`, kept by the ledger transaction) and the badges their close awards

Revision ID: 0052
Revises: 0051
Create Date: 2026-12-02 10:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0052"
down_revision: str | None = "0051"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "seasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("top3_badge_id", sa.Integer(), nullable=True),
        sa.Column("top10_badge_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_seasons_group_id_groups"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_seasons_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["top3_badge_id"],
            ["badges.id"],
            name=op.f("fk_seasons_top3_badge_id_badges"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["top10_badge_id"],
            ["badges.id"],
            name=op.f("fk_seasons_top10_badge_id_badges"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seasons")),
        sa.UniqueConstraint("name", name=op.f("uq_seasons_name")),
    )
    op.create_index("ix_seasons_ends_at", "seasons", ["ends_at"])
    op.create_table(
        "season_totals",
        sa.Column("season_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["season_id"],
            ["seasons.id"],
            name=op.f("fk_season_totals_season_id_seasons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_season_totals_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("season_id", "user_id", name=op.f("pk_season_totals")),
    )
    op.create_index("ix_season_totals_board", "season_totals", ["season_id", "points"])


def downgrade() -> None:
    op.drop_index("ix_season_totals_board", table_name="season_totals")
    op.drop_table("season_totals")
    op.drop_index("ix_seasons_ends_at", table_name="seasons")
    op.drop_table("seasons")
