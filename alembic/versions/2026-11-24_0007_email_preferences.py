"""engagement: email preferences, marketers' own texts, nudges sent, first sign-in and last
earned points

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-24 23:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "email_opt_outs",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_email_opt_outs_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "category", name=op.f("pk_email_opt_outs")),
    )

    op.create_table(
        "email_texts",
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("intro", sa.String(length=1000), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_email_texts")),
    )

    op.create_table(
        "nudges",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=40), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_nudges_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", "period", name=op.f("pk_nudges")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_login_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("points_balances", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_earned_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_points_balances_last_earned_at"), ["last_earned_at"], unique=False
        )
    # What people did before these columns existed: their last sign-in, their last award.
    op.execute("UPDATE users SET first_login_at = last_login_at")
    op.execute(
        "UPDATE points_balances SET last_earned_at = (SELECT max(created_at) FROM points_ledger"
        " WHERE points_ledger.user_id = points_balances.user_id AND points_ledger.delta > 0"
        " AND points_ledger.counts_toward_lifetime)"
    )


def downgrade() -> None:
    with op.batch_alter_table("points_balances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_points_balances_last_earned_at"))
        batch_op.drop_column("last_earned_at")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("first_login_at")
    op.drop_table("nudges")
    op.drop_table("email_texts")
    op.drop_table("email_opt_outs")
