"""avatars: a picture per person in the shared file storage

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 00:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("avatar_name", sa.String(length=80), nullable=True))
        batch_op.add_column(
            sa.Column("avatar_type", sa.String(length=100), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("avatar_type")
        batch_op.drop_column("avatar_name")
