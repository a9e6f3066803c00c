"""privacy: the feed never names a prospect; advocates can hide from leaderboards

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 22:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

feed = sa.table("activity_feed", sa.column("kind", sa.String), sa.column("text", sa.String))


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("hide_from_boards", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Won referrals used to name the prospect's company: a customer's deal shown to others.
    op.execute(
        feed.update()
        .where(feed.c.kind == "referral_won")
        .values(text="referred a new customer, and they signed")
    )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("hide_from_boards")
