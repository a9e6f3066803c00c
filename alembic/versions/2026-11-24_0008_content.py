"""content library: assets, their tags and target groups, and who used them

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 23:01:23.126521
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "content_assets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description_html", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("is_published", sa.Boolean(), nullable=False),
        sa.Column("is_targeted", sa.Boolean(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("storage_name", sa.String(length=64), nullable=True),
        sa.Column("original_filename", sa.String(length=255), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_content_assets_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_assets")),
        sa.UniqueConstraint("storage_name", name=op.f("uq_content_assets_storage_name")),
    )
    op.create_index(
        "ix_content_assets_published",
        "content_assets",
        ["is_published", "published_at"],
        unique=False,
    )

    op.create_table(
        "content_asset_groups",
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["content_assets.id"],
            name=op.f("fk_content_asset_groups_asset_id_content_assets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_content_asset_groups_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("asset_id", "group_id", name=op.f("pk_content_asset_groups")),
    )
    op.create_index(
        op.f("ix_content_asset_groups_group_id"), "content_asset_groups", ["group_id"], unique=False
    )

    op.create_table(
        "content_asset_tags",
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["content_assets.id"],
            name=op.f("fk_content_asset_tags_asset_id_content_assets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("asset_id", "tag", name=op.f("pk_content_asset_tags")),
    )
    op.create_index(op.f("ix_content_asset_tags_tag"), "content_asset_tags", ["tag"], unique=False)

    op.create_table(
        "content_asset_uses",
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("first_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("downloads", sa.Integer(), nullable=False),
        sa.Column("watched_percent", sa.Integer(), nullable=False),
        sa.Column("watched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("points_awarded", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["content_assets.id"],
            name=op.f("fk_content_asset_uses_asset_id_content_assets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_content_asset_uses_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("asset_id", "user_id", name=op.f("pk_content_asset_uses")),
    )
    op.create_index(
        op.f("ix_content_asset_uses_user_id"), "content_asset_uses", ["user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_content_asset_uses_user_id"), table_name="content_asset_uses")

    op.drop_table("content_asset_uses")
    op.drop_index(op.f("ix_content_asset_tags_tag"), table_name="content_asset_tags")

    op.drop_table("content_asset_tags")
    op.drop_index(op.f("ix_content_asset_groups_group_id"), table_name="content_asset_groups")

    op.drop_table("content_asset_groups")
    op.drop_index("ix_content_assets_published", table_name="content_assets")

    op.drop_table("content_assets")
