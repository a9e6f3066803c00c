"""ledger wordings: a ledger row's reason keeps, beside its English, the catalogue message and
values it was written from, read in each reader's language (portal.wording); rows written before
stay in English

Revision ID: 0058
Revises: 0054
Create Date: 2026-12-02 11:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0058"
down_revision: str | None = "0054"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("points_ledger", sa.Column("reason_wording", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("points_ledger", "reason_wording")
