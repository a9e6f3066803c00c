"""bulk invitations (a list checked at upload, invited by jobs in batches), a person's
language, dynamic groups (segments) and group join codes

Revision ID: 0022
Revises: 0024
Create Date: 2026-12-01 23:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0022"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=16), nullable=False, server_default="")
        )
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_dynamic", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("rules", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(
            sa.Column("members_refreshed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("join_code", sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_groups_join_code"), ["join_code"])
    op.create_table(
        "bulk_invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("progressed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_bulk_invites_created_by_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_invites")),
    )
    op.create_table(
        "bulk_invite_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bulk_invite_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=False),
        sa.Column("job_title", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("group_ids", sa.JSON(), nullable=False),
        sa.Column("group_names", sa.String(length=500), nullable=False),
        sa.Column("opening_points", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("problem", sa.String(length=300), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["bulk_invite_id"],
            ["bulk_invites.id"],
            name=op.f("fk_bulk_invite_rows_bulk_invite_id_bulk_invites"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_bulk_invite_rows_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_invite_rows")),
        sa.UniqueConstraint(
            "bulk_invite_id", "line", name=op.f("uq_bulk_invite_rows_bulk_invite_id")
        ),
    )
    op.create_index(
        "ix_bulk_invite_rows_bulk_invite_id_state_line",
        "bulk_invite_rows",
        ["bulk_invite_id", "state", "line"],
    )


def downgrade() -> None:
    op.drop_index("ix_bulk_invite_rows_bulk_invite_id_state_line", table_name="bulk_invite_rows")
    op.drop_table("bulk_invite_rows")
    op.drop_table("bulk_invites")
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_groups_join_code"), type_="unique")
        batch_op.drop_column("join_code")
        batch_op.drop_column("members_refreshed_at")
        batch_op.drop_column("rules")
        batch_op.drop_column("is_dynamic")
    # Native DROP COLUMN (SQLite 3.35+): a batch copy of `users` would have to drop the table
    # every other table points at, which SQLite's foreign keys refuse once there is data.
    op.execute("ALTER TABLE users DROP COLUMN language")
