"""public form attempts: posts of the referral landing form and open sign-up, for the throttle
and the staff counts (a keyed hash of the address, never the address)

Revision ID: 0027
Revises: 0025
Create Date: 2026-12-01 23:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0027"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "public_form_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("client_key", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_form_attempts")),
    )
    op.create_index(
        "ix_public_form_attempts_client",
        "public_form_attempts",
        ["form", "client_key", "created_at"],
    )
    op.create_index(
        "ix_public_form_attempts_subject",
        "public_form_attempts",
        ["form", "subject_id", "created_at"],
    )
    op.create_index("ix_public_form_attempts_created_at", "public_form_attempts", ["created_at"])


def downgrade() -> None:
    op.drop_table("public_form_attempts")
