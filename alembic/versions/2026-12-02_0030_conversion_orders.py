"""conversions: the order id on the referral, and referrals without a prospect email

A conversion postback keeps its order id in a column of its own (the CRM's id stays free for the
CRM), and a sale reported by referral code alone makes a referral whose prospect has no email
(""), which the one-open-referral-per-address index leaves out. Only indexes and a new column:
no table is rebuilt (on SQLite a rebuild of `referrals` would cascade-delete its children).

Revision ID: 0030
Revises: 0028
Create Date: 2026-12-02 03:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0030"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _active_prospect_index(where: str) -> None:
    op.drop_index("ux_referrals_prospect_email_active", table_name="referrals")
    op.create_index(
        "ux_referrals_prospect_email_active",
        "referrals",
        ["prospect_email"],
        unique=True,
        postgresql_where=sa.text(where),
        sqlite_where=sa.text(where),
    )


def upgrade() -> None:
    op.add_column("referrals", sa.Column("order_id", sa.String(length=100), nullable=True))
    op.create_index("ux_referrals_order_id", "referrals", ["order_id"], unique=True)
    _active_prospect_index("stage <> 'rejected' AND prospect_email <> ''")


def downgrade() -> None:
    # Refused (the index can't be made) while two open referrals have no email: close one first.
    _active_prospect_index("stage <> 'rejected'")
    op.drop_index("ux_referrals_order_id", table_name="referrals")
    op.drop_column("referrals", "order_id")  # SQLite ≥ 3.35 drops it in place, no rebuild
