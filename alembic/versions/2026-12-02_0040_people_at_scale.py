"""people at scale: a broadcast to a saved People view keeps the view, to read its people when
sending starts

Revision ID: 0040
Revises: 0043
Create Date: 2026-12-02 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0040"
down_revision: str | None = "0043"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "people_view_broadcasts",
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("saved_view_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name=op.f("fk_people_view_broadcasts_broadcast_id_broadcasts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["saved_view_id"],
            ["people_saved_views.id"],
            name=op.f("fk_people_view_broadcasts_saved_view_id_people_saved_views"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("broadcast_id", name=op.f("pk_people_view_broadcasts")),
    )
    op.create_index(
        op.f("ix_people_view_broadcasts_saved_view_id"),
        "people_view_broadcasts",
        ["saved_view_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_people_view_broadcasts_saved_view_id"), table_name="people_view_broadcasts"
    )
    op.drop_table("people_view_broadcasts")
