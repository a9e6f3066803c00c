"""trust scores: each advocate's score and its reasons; the first single sign-on on users (a
score input); when a reward's low-stock and sold-out alerts went out (once per crossing)

Revision ID: 0033
Revises: 0028
Create Date: 2026-12-02 03:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trust_scores",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_trust_scores_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_trust_scores")),
    )
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("sso_signed_in_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("rewards") as batch:
        batch.add_column(
            sa.Column("low_stock_alerted_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("sold_out_alerted_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    # Dropped in place (SQLite >= 3.35 does, no rebuild): rebuilding `users` or `rewards` with
    # foreign keys on would trip the tables that refer to them.
    op.drop_column("rewards", "sold_out_alerted_at")
    op.drop_column("rewards", "low_stock_alerted_at")
    op.drop_column("users", "sso_signed_in_at")
    op.drop_table("trust_scores")
