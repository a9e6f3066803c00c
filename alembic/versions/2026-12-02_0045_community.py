"""community: categories (targetable to groups), topics, posts, "helpful" reactions, the
daily tally of community points, mentions, category follows, topic mutes, flags and edit
history

Revision ID: 0045
Revises: 0040
Create Date: 2026-12-02 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0045"
down_revision: str | None = "0040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "community_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_targeted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_categories")),
        sa.UniqueConstraint("name", name=op.f("uq_community_categories_name")),
    )
    op.create_table(
        "community_category_groups",
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["community_categories.id"],
            name=op.f("fk_community_category_groups_category_id_community_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_community_category_groups_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "category_id", "group_id", name=op.f("pk_community_category_groups")
        ),
    )
    op.create_table(
        "community_topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("is_pinned", sa.Boolean(), nullable=False),
        sa.Column("is_locked", sa.Boolean(), nullable=False),
        sa.Column("is_hidden", sa.Boolean(), nullable=False),
        sa.Column("is_approved", sa.Boolean(), nullable=False),
        sa.Column("reply_count", sa.Integer(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_community_topics_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["community_categories.id"],
            name=op.f("fk_community_topics_category_id_community_categories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_topics")),
    )
    op.create_index(
        op.f("ix_community_topics_author_id"), "community_topics", ["author_id"], unique=False
    )
    op.create_index(
        "ix_community_topics_category_order",
        "community_topics",
        ["category_id", "is_pinned", "last_posted_at"],
        unique=False,
    )
    op.create_index(
        "ix_community_topics_order",
        "community_topics",
        ["is_pinned", "last_posted_at"],
        unique=False,
    )
    op.create_table(
        "community_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("is_opening", sa.Boolean(), nullable=False),
        sa.Column("is_answer", sa.Boolean(), nullable=False),
        sa.Column("helpful_count", sa.Integer(), nullable=False),
        sa.Column("is_hidden", sa.Boolean(), nullable=False),
        sa.Column("is_approved", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_community_posts_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["community_topics.id"],
            name=op.f("fk_community_posts_topic_id_community_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_posts")),
    )
    op.create_index(
        op.f("ix_community_posts_author_id"), "community_posts", ["author_id"], unique=False
    )
    op.create_index(
        "ix_community_posts_topic_id_id", "community_posts", ["topic_id", "id"], unique=False
    )
    op.create_table(
        "community_reactions",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["community_posts.id"],
            name=op.f("fk_community_reactions_post_id_community_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_community_reactions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("post_id", "user_id", name=op.f("pk_community_reactions")),
    )
    op.create_index(
        op.f("ix_community_reactions_user_id"), "community_reactions", ["user_id"], unique=False
    )
    op.create_table(
        "community_daily_points",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_community_daily_points_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "day", name=op.f("pk_community_daily_points")),
    )

    op.create_table(
        "community_mentions",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["community_posts.id"],
            name=op.f("fk_community_mentions_post_id_community_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_community_mentions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("post_id", "user_id", name=op.f("pk_community_mentions")),
    )
    op.create_table(
        "community_category_follows",
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["community_categories.id"],
            name=op.f("fk_community_category_follows_category_id_community_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_community_category_follows_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "category_id", "user_id", name=op.f("pk_community_category_follows")
        ),
    )
    op.create_index(
        op.f("ix_community_category_follows_user_id"),
        "community_category_follows",
        ["user_id"],
        unique=False,
    )
    op.create_table(
        "community_topic_mutes",
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["community_topics.id"],
            name=op.f("fk_community_topic_mutes_topic_id_community_topics"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_community_topic_mutes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("topic_id", "user_id", name=op.f("pk_community_topic_mutes")),
    )
    op.create_table(
        "community_post_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("editor_id", sa.Integer(), nullable=True),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["editor_id"],
            ["users.id"],
            name=op.f("fk_community_post_revisions_editor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["community_posts.id"],
            name=op.f("fk_community_post_revisions_post_id_community_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_post_revisions")),
    )
    op.create_index(
        "ix_community_post_revisions_post_id_id",
        "community_post_revisions",
        ["post_id", "id"],
        unique=False,
    )
    op.create_table(
        "community_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["community_posts.id"],
            name=op.f("fk_community_flags_post_id_community_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["users.id"],
            name=op.f("fk_community_flags_resolved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_community_flags_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_flags")),
        sa.UniqueConstraint("post_id", "user_id", name=op.f("uq_community_flags_post_id")),
    )
    op.create_index(
        op.f("ix_community_flags_resolved_at"), "community_flags", ["resolved_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_community_flags_resolved_at"), table_name="community_flags")
    op.drop_table("community_flags")
    op.drop_index("ix_community_post_revisions_post_id_id", table_name="community_post_revisions")
    op.drop_table("community_post_revisions")
    op.drop_table("community_topic_mutes")
    op.drop_index(
        op.f("ix_community_category_follows_user_id"), table_name="community_category_follows"
    )
    op.drop_table("community_category_follows")
    op.drop_table("community_mentions")
    op.drop_table("community_daily_points")
    op.drop_index(op.f("ix_community_reactions_user_id"), table_name="community_reactions")
    op.drop_table("community_reactions")
    op.drop_index("ix_community_posts_topic_id_id", table_name="community_posts")
    op.drop_index(op.f("ix_community_posts_author_id"), table_name="community_posts")
    op.drop_table("community_posts")
    op.drop_index("ix_community_topics_order", table_name="community_topics")
    op.drop_index("ix_community_topics_category_order", table_name="community_topics")
    op.drop_index(op.f("ix_community_topics_author_id"), table_name="community_topics")
    op.drop_table("community_topics")
    op.drop_table("community_category_groups")
    op.drop_table("community_categories")
