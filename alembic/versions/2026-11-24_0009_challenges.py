"""challenges: challenges, their target groups, submissions and dismissals

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 23:27:37.449597
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "challenges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("max_per_user", sa.Integer(), nullable=False),
        sa.Column("max_total", sa.Integer(), nullable=True),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.Column("approval", sa.String(length=10), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("max_per_user >= 1", name=op.f("ck_challenges_max_per_user_positive")),
        sa.CheckConstraint(
            "max_total IS NULL OR max_total >= 1", name=op.f("ck_challenges_max_total_positive")
        ),
        sa.CheckConstraint(
            "max_total IS NULL OR taken <= max_total",
            name=op.f("ck_challenges_taken_within_max_total"),
        ),
        sa.CheckConstraint("points > 0", name=op.f("ck_challenges_points_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_challenges_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenges")),
    )
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.create_index("ix_challenges_status_ends_at", ["status", "ends_at"], unique=False)

    op.create_table(
        "challenge_dismissals",
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_challenge_dismissals_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_challenge_dismissals_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("challenge_id", "user_id", name=op.f("pk_challenge_dismissals")),
    )
    with op.batch_alter_table("challenge_dismissals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_challenge_dismissals_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "challenge_groups",
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_challenge_groups_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_challenge_groups_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("challenge_id", "group_id", name=op.f("pk_challenge_groups")),
    )
    op.create_table(
        "challenge_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("request_key", sa.String(length=80), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("feedback", sa.String(length=1000), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_challenge_submissions_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["users.id"],
            name=op.f("fk_challenge_submissions_reviewer_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_challenge_submissions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_submissions")),
        sa.UniqueConstraint("request_key", name=op.f("uq_challenge_submissions_request_key")),
    )
    with op.batch_alter_table("challenge_submissions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_challenge_submissions_challenge_id_user_id",
            ["challenge_id", "user_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_challenge_submissions_status_created_at", ["status", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_challenge_submissions_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("challenge_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_submissions_user_id"))
        batch_op.drop_index("ix_challenge_submissions_status_created_at")
        batch_op.drop_index("ix_challenge_submissions_challenge_id_user_id")

    op.drop_table("challenge_submissions")
    op.drop_table("challenge_groups")
    with op.batch_alter_table("challenge_dismissals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_dismissals_user_id"))

    op.drop_table("challenge_dismissals")
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.drop_index("ix_challenges_status_ends_at")

    op.drop_table("challenges")
