"""report sign-up days: advocates who joined per UTC day and how many earned within the
activation window, for the overview's settled days (filled by the hourly job
`refresh_signup_days`; until its first run the overview counts every advocate's row); stage
moves indexed by stage and time (referrals qualified and won in a period)

Revision ID: 0048
Revises: 0057
Create Date: 2026-12-02 10:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0048"
down_revision: str | None = "0057"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_signup_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("advocates", sa.Integer(), nullable=False),
        sa.Column("activated", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_report_signup_days")),
    )
    op.create_index(
        "ix_referral_events_to_stage_created_at",
        "referral_events",
        ["to_stage", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_referral_events_to_stage_created_at", table_name="referral_events")
    op.drop_table("report_signup_days")
