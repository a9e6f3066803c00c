"""referral clicks by visitor: counted once a day per link and capped per hour

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 21:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_referral_clicks_client_key_created_at",
        "referral_clicks",
        ["client_key", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_referral_clicks_client_key_created_at", table_name="referral_clicks")
