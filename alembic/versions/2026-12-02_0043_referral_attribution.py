"""referral attribution: campaigns advocates' links can carry, and where a referral came from
(its campaign, UTM tags, the referring site and the campaign's extra answers), every visit
through an advocate's link that led to it, and which of them it was credited to and why

Revision ID: 0043
Revises: 0044
Create Date: 2026-12-02 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0043"
down_revision: str | None = "0044"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "referral_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("bonus_points", sa.JSON(), nullable=False),
        sa.Column("questions", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_campaigns")),
        sa.UniqueConstraint("slug", name=op.f("uq_referral_campaigns_slug")),
    )
    op.create_table(
        "referral_origins",
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("utm_source", sa.String(length=100), nullable=False),
        sa.Column("utm_medium", sa.String(length=100), nullable=False),
        sa.Column("utm_campaign", sa.String(length=100), nullable=False),
        sa.Column("referrer_host", sa.String(length=255), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("credit_rule", sa.String(length=20), nullable=True),
        sa.Column("window_days", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["referral_campaigns.id"],
            name=op.f("fk_referral_origins_campaign_id_referral_campaigns"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_referral_origins_referral_id_referrals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("referral_id", name=op.f("pk_referral_origins")),
    )
    op.create_index(
        op.f("ix_referral_origins_campaign_id"), "referral_origins", ["campaign_id"], unique=False
    )
    op.create_table(
        "referral_touches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("advocate_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("utm_source", sa.String(length=100), nullable=False),
        sa.Column("utm_medium", sa.String(length=100), nullable=False),
        sa.Column("utm_campaign", sa.String(length=100), nullable=False),
        sa.Column("referrer_host", sa.String(length=255), nullable=False),
        sa.Column("touched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("credited", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["advocate_id"],
            ["users.id"],
            name=op.f("fk_referral_touches_advocate_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["referral_campaigns.id"],
            name=op.f("fk_referral_touches_campaign_id_referral_campaigns"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referral_origins.referral_id"],
            name=op.f("fk_referral_touches_referral_id_referral_origins"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_touches")),
    )
    op.create_index(
        op.f("ix_referral_touches_referral_id"), "referral_touches", ["referral_id"], unique=False
    )
    # referral_clicks is referenced by no other table, so a batch rebuild is safe on SQLite.
    with op.batch_alter_table("referral_clicks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("campaign_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_referral_clicks_campaign_id"), ["campaign_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_referral_clicks_campaign_id_referral_campaigns"),
            "referral_campaigns",
            ["campaign_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("referral_clicks", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_referral_clicks_campaign_id_referral_campaigns"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_referral_clicks_campaign_id"))
        batch_op.drop_column("campaign_id")
    op.drop_index(op.f("ix_referral_touches_referral_id"), table_name="referral_touches")
    op.drop_table("referral_touches")
    op.drop_index(op.f("ix_referral_origins_campaign_id"), table_name="referral_origins")
    op.drop_table("referral_origins")
    op.drop_table("referral_campaigns")
