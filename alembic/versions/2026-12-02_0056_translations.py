"""marketers' texts in several languages: challenges, rewards, content items and email
wordings each get a `translations` JSON column (portal.translations)

Revision ID: 0056
Revises: 0046
Create Date: 2026-12-02 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0056"
down_revision: str | None = "0046"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("challenges", "rewards", "content_assets", "email_texts")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(
            table,
            sa.Column("translations", sa.JSON(), nullable=False, server_default="{}"),
        )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_column(table, "translations")
