"""wordings: a notification's title and body and an activity feed line keep, beside their English, the
catalogue message and values they were written from, read in each reader's language
(portal.wording); rows written before stay in English

Revision ID: 0057
Revises: 0056
Create Date: 2026-12-02 10:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0057"
down_revision: str | None = "0056"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("notifications", sa.Column("title_wording", sa.JSON(), nullable=True))
    op.add_column("notifications", sa.Column("body_wording", sa.JSON(), nullable=True))
    op.add_column("activity_feed", sa.Column("wording", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("activity_feed", "wording")
    op.drop_column("notifications", "body_wording")
    op.drop_column("notifications", "title_wording")
