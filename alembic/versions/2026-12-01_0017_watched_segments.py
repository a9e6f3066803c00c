"""content: a video counts as watched from the heartbeats the server saw

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("content_asset_uses") as batch:
        batch.add_column(sa.Column("duration_seconds", sa.Float(), nullable=True))
        batch.add_column(
            sa.Column("watched_segments", sa.JSON(), nullable=False, server_default="[]")
        )
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("content_asset_uses") as batch:
        batch.drop_column("heartbeat_at")
        batch.drop_column("watched_segments")
        batch.drop_column("duration_seconds")
