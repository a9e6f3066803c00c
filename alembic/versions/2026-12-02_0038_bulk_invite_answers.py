"""bulk invite answers: a bulk invitation row keeps its custom profile field answers (by the
field's id) until the row is invited

Revision ID: 0038
Revises: 0036
Create Date: 2026-12-02 04:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0038"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("bulk_invite_rows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answers", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("bulk_invite_rows", schema=None) as batch_op:
        batch_op.drop_column("answers")
