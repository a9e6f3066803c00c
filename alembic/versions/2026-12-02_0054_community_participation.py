"""community participation: the four participation badges (topics started, replies, answers,
"helpful" reactions received), images in posts (`community_images`), where each member
stopped reading a topic (`community_topic_reads`) and, on PostgreSQL, GIN
indexes for the community's full-text search over titles and post bodies

Revision ID: 0054
Revises: 0052
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

from alembic import op

revision: str = "0054"
down_revision: str | None = "0052"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BADGES = [
    ("community_topics_5", "Conversation starter", "Started 5 community topics.", "megaphone"),
    ("community_replies_25", "Helping hand", "Wrote 25 community replies.", "users-round"),
    ("community_answers_3", "Problem solver", "3 replies marked as the answer.", "lightbulb"),
    ("community_helpful_10", "Trusted voice", "Posts found helpful 10 times.", "thumbs-up"),
]
# As portal.community.models declares them: the expressions the search queries use.
SEARCH_INDEXES = [
    ("ix_community_topics_title_search", "community_topics", "title::text"),
    ("ix_community_posts_body_search", "community_posts", "body_html"),
]

badges = sa.table(
    "badges",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("description", sa.String),
    sa.column("rule", sa.String),
    sa.column("icon", sa.String),
    sa.column("is_active", sa.Boolean),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
user_badges = sa.table("user_badges", sa.column("badge_id", sa.Integer))


def upgrade() -> None:
    op.create_table(
        "community_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("uploader_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["uploader_id"],
            ["users.id"],
            name=op.f("fk_community_images_uploader_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_images")),
        sa.UniqueConstraint("name", name=op.f("uq_community_images_name")),
    )
    op.create_index(
        op.f("ix_community_images_uploader_id"), "community_images", ["uploader_id"], unique=False
    )
    op.create_table(
        "community_topic_reads",
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_post_id", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["community_topics.id"],
            name=op.f("fk_community_topic_reads_topic_id_community_topics"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_community_topic_reads_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("topic_id", "user_id", name=op.f("pk_community_topic_reads")),
    )
    op.create_index(
        op.f("ix_community_topic_reads_user_id"), "community_topic_reads", ["user_id"], unique=False
    )
    op.bulk_insert(
        badges,
        [
            {
                "name": name,
                "description": description,
                "rule": rule,
                "icon": icon,
                "is_active": True,
                "created_at": datetime.now(UTC),
            }
            for rule, name, description, icon in BADGES
        ],
    )
    if op.get_bind().dialect.name == "postgresql":
        for name, table, column in SEARCH_INDEXES:
            op.create_index(
                name,
                table,
                [sa.text(f"to_tsvector('english'::regconfig, {column})")],
                postgresql_using="gin",
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, table, _ in SEARCH_INDEXES:
            op.drop_index(name, table_name=table)
    rules = [rule for rule, *_ in BADGES]
    chosen = sa.select(badges.c.id).where(badges.c.rule.in_(rules))
    op.execute(sa.delete(user_badges).where(user_badges.c.badge_id.in_(chosen)))
    op.execute(sa.delete(badges).where(badges.c.rule.in_(rules)))
    op.drop_index(op.f("ix_community_topic_reads_user_id"), table_name="community_topic_reads")
    op.drop_table("community_topic_reads")
    op.drop_index(op.f("ix_community_images_uploader_id"), table_name="community_images")
    op.drop_table("community_images")
