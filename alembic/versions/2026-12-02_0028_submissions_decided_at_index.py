"""submissions by decision time: the reports read the entries decided in a period

Revision ID: 0028
Revises: 0023
Create Date: 2026-12-02 01:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0028"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_challenge_submissions_decided_at", "challenge_submissions", ["decided_at"])


def downgrade() -> None:
    op.drop_index("ix_challenge_submissions_decided_at", table_name="challenge_submissions")
