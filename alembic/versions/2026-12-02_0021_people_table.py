"""people table: saved views, custom profile fields and their answers, and the indexes the
People table sorts and pages by (joined, points to spend)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "people_saved_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("query", sa.String(length=2000), nullable=False),
        sa.Column("is_shared", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_people_saved_views_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people_saved_views")),
    )
    op.create_index(
        "ix_people_saved_views_owner_id_name", "people_saved_views", ["owner_id", "name"]
    )
    op.create_table(
        "profile_fields",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("choices", sa.String(length=2000), nullable=False),
        sa.Column("is_required", sa.Boolean(), nullable=False),
        sa.Column("on_signup", sa.Boolean(), nullable=False),
        sa.Column("on_profile", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile_fields")),
        sa.UniqueConstraint("label", name=op.f("uq_profile_fields_label")),
    )
    op.create_table(
        "profile_values",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["field_id"],
            ["profile_fields.id"],
            name=op.f("fk_profile_values_field_id_profile_fields"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_profile_values_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "field_id", name=op.f("pk_profile_values")),
    )
    op.create_index("ix_profile_values_field_id_value", "profile_values", ["field_id", "value"])
    op.create_index("ix_users_created_at_id", "users", ["created_at", "id"])
    op.create_index("ix_points_balances_current_user_id", "points_balances", ["current", "user_id"])


def downgrade() -> None:
    op.drop_index("ix_points_balances_current_user_id", table_name="points_balances")
    op.drop_index("ix_users_created_at_id", table_name="users")
    op.drop_index("ix_profile_values_field_id_value", table_name="profile_values")
    op.drop_table("profile_values")
    op.drop_table("profile_fields")
    op.drop_index("ix_people_saved_views_owner_id_name", table_name="people_saved_views")
    op.drop_table("people_saved_views")
