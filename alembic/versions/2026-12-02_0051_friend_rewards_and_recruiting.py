"""friend rewards, recruiting and campaign archive: a code pool marked for referred friends,
the gift each referral's friend was sent (one per referral), who brought whom into the program,
and when a referral campaign was archived

Revision ID: 0051
Revises: 0053
Create Date: 2026-12-02 10:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0051"
down_revision: str | None = "0053"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "rewards",
        sa.Column("for_referred_friends", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table(
        "friend_gifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("reward_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_friend_gifts_referral_id_referrals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reward_id"],
            ["rewards.id"],
            name=op.f("fk_friend_gifts_reward_id_rewards"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_friend_gifts")),
        sa.UniqueConstraint("referral_id", name=op.f("uq_friend_gifts_referral_id")),
    )
    op.create_index(op.f("ix_friend_gifts_reward_id"), "friend_gifts", ["reward_id"])
    op.create_table(
        "recruitments",
        sa.Column("recruit_id", sa.Integer(), nullable=False),
        sa.Column("recruiter_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recruit_id"],
            ["users.id"],
            name=op.f("fk_recruitments_recruit_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recruiter_id"],
            ["users.id"],
            name=op.f("fk_recruitments_recruiter_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("recruit_id", name=op.f("pk_recruitments")),
    )
    op.create_index(op.f("ix_recruitments_recruiter_id"), "recruitments", ["recruiter_id"])
    op.add_column(
        "referral_campaigns", sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("referral_campaigns") as batch:
        batch.drop_column("archived_at")
    op.drop_index(op.f("ix_recruitments_recruiter_id"), table_name="recruitments")
    op.drop_table("recruitments")
    op.drop_index(op.f("ix_friend_gifts_reward_id"), table_name="friend_gifts")
    op.drop_table("friend_gifts")
    with op.batch_alter_table("rewards") as batch:
        batch.drop_column("for_referred_friends")
