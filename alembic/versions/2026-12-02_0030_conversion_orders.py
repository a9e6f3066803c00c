"""conversions: the order id on the referral, and referrals without a prospect email

A conversion postback keeps its order id in a column of its own (the CRM's id stays free for the
CRM), and a sale reported by referral code alone makes a referral whose prospect has no email.

Revision ID: 0030
Revises: 0028
Create Date: 2026-12-02 03:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0030"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("stage <> 'rejected'")


def _active_prospect_index(create: bool) -> None:
    """SQLite's batch copy of the table may lose an index's WHERE: the partial unique index is
    dropped before and made again after, as the models say."""
    if create:
        op.create_index(
            "ux_referrals_prospect_email_active",
            "referrals",
            ["prospect_email"],
            unique=True,
            postgresql_where=ACTIVE,
            sqlite_where=ACTIVE,
        )
    else:
        op.drop_index("ux_referrals_prospect_email_active", table_name="referrals")


def upgrade() -> None:
    _active_prospect_index(create=False)
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("order_id", sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_referrals_order_id"), ["order_id"])
        batch_op.alter_column("prospect_email", existing_type=sa.String(length=320), nullable=True)
    _active_prospect_index(create=True)


def downgrade() -> None:
    op.execute("DELETE FROM referrals WHERE prospect_email IS NULL")
    _active_prospect_index(create=False)
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.alter_column("prospect_email", existing_type=sa.String(length=320), nullable=False)
        batch_op.drop_constraint(batch_op.f("uq_referrals_order_id"), type_="unique")
        batch_op.drop_column("order_id")
    _active_prospect_index(create=True)
