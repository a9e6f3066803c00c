"""people at scale: a stored last activity and a name index for the People table's sorts,
bulk actions on many people run by jobs, and where a broadcast's chosen people came from

Revision ID: 0031
Revises: 0028
Create Date: 2026-12-02 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("points_balances", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_active_at", sa.DateTime(timezone=True), nullable=True))
    # The later of the last visit and the last points earned, as the People table read it.
    op.execute(
        "UPDATE points_balances SET last_active_at = (SELECT CASE"
        " WHEN users.last_seen_at IS NULL THEN points_balances.last_earned_at"
        " WHEN points_balances.last_earned_at IS NULL"
        " OR users.last_seen_at > points_balances.last_earned_at THEN users.last_seen_at"
        " ELSE points_balances.last_earned_at END"
        " FROM users WHERE users.id = points_balances.user_id)"
    )
    # Never-active people sort after everyone newest first, and so before everyone oldest
    # first: the order one index gives both ways (SQLite puts NULLs first by itself).
    op.create_index(
        "ix_points_balances_last_active_at_user_id",
        "points_balances",
        [
            sa.text("last_active_at ASC NULLS FIRST") if postgresql else sa.text("last_active_at"),
            "user_id",
        ],
    )
    if postgresql:  # SQLite cannot reflect an expression index (see portal.people.models)
        op.create_index(
            "ix_users_lower_display_name_id", "users", [sa.text("lower(display_name)"), "id"]
        )
    op.create_table(
        "people_bulk_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("action_key", sa.String(length=16), nullable=False),
        sa.Column("view", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("handled", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("progressed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_people_bulk_runs_group_id_groups"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["users.id"],
            name=op.f("fk_people_bulk_runs_staff_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people_bulk_runs")),
        sa.UniqueConstraint("action_key", name=op.f("uq_people_bulk_runs_action_key")),
    )
    op.create_table(
        "people_bulk_run_people",
        sa.Column("bulk_run_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("handled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bulk_run_id"],
            ["people_bulk_runs.id"],
            name=op.f("fk_people_bulk_run_people_bulk_run_id_people_bulk_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_people_bulk_run_people_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("bulk_run_id", "user_id", name=op.f("pk_people_bulk_run_people")),
    )
    op.create_index(
        "ix_people_bulk_run_people_waiting",
        "people_bulk_run_people",
        ["bulk_run_id", "handled", "user_id"],
    )
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("audience_note", sa.String(length=200), server_default="", nullable=False)
        )


def downgrade() -> None:
    op.drop_column("broadcasts", "audience_note")  # in place: a rebuild would trip recipients
    op.drop_index("ix_people_bulk_run_people_waiting", table_name="people_bulk_run_people")
    op.drop_table("people_bulk_run_people")
    op.drop_table("people_bulk_runs")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_users_lower_display_name_id", table_name="users")
    op.drop_index("ix_points_balances_last_active_at_user_id", table_name="points_balances")
    with op.batch_alter_table("points_balances", schema=None) as batch_op:
        batch_op.drop_column("last_active_at")
