from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.clock import utcnow
from portal.db import Base
from portal.files.references import stored_file

if TYPE_CHECKING:
    from portal.people.models import User

# The text search configuration of the search and its indexes (stemmed English), as SQL.
SEARCH_LANGUAGE = "'english'::regconfig"


class Category(Base):
    """Where topics live (Product tips, Events, Feedback), set by marketers; targeted to groups
    like challenges are (others get 404)."""

    __tablename__ = "community_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(default=0)
    is_targeted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CategoryGroup(Base):
    __tablename__ = "community_category_groups"

    category_id: Mapped[int] = mapped_column(
        ForeignKey("community_categories.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )


class Topic(Base):
    """A discussion: its opening post is the first of its posts. `last_posted_at` orders the
    lists (pinned first); `reply_count` and `answered_at` are kept by the service so a list
    page reads one row per topic."""

    __tablename__ = "community_topics"
    __table_args__ = (
        Index("ix_community_topics_category_order", "category_id", "is_pinned", "last_posted_at"),
        Index("ix_community_topics_order", "is_pinned", "last_posted_at"),
        # Full-text search (PostgreSQL only: SQLite matches words as text, see service.search).
        Index(
            "ix_community_topics_title_search",
            text(f"to_tsvector({SEARCH_LANGUAGE}, title::text)"),
            postgresql_using="gin",
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("community_categories.id", ondelete="CASCADE")
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    is_pinned: Mapped[bool] = mapped_column(default=False)
    is_locked: Mapped[bool] = mapped_column(default=False)
    is_hidden: Mapped[bool] = mapped_column(default=False)
    # False while a new member's first post waits for approval (seen by them and staff only).
    is_approved: Mapped[bool] = mapped_column(default=True)
    reply_count: Mapped[int] = mapped_column(default=0)  # approved replies
    answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_posted_at: Mapped[datetime] = mapped_column(default=utcnow)

    category: Mapped[Category] = relationship(lazy="raise")
    author: Mapped["User | None"] = relationship(lazy="raise")


class Post(Base):
    """A topic's opening post or a reply. `body_html` passed `portal.sanitize`."""

    __tablename__ = "community_posts"
    __table_args__ = (
        Index("ix_community_posts_topic_id_id", "topic_id", "id"),
        Index(
            "ix_community_posts_body_search",
            text(f"to_tsvector({SEARCH_LANGUAGE}, body_html)"),
            postgresql_using="gin",
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("community_topics.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    body_html: Mapped[str] = mapped_column(Text)
    is_opening: Mapped[bool] = mapped_column(default=False)
    is_answer: Mapped[bool] = mapped_column(default=False)
    helpful_count: Mapped[int] = mapped_column(default=0)
    is_hidden: Mapped[bool] = mapped_column(default=False)  # by staff: gone for members
    is_approved: Mapped[bool] = mapped_column(default=True)  # see Topic.is_approved
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]

    author: Mapped["User | None"] = relationship(lazy="raise")


class Reaction(Base):
    """One person finding one post helpful. The row stays when they take it back
    (`withdrawn_at`), so reacting again never pays the author twice."""

    __tablename__ = "community_reactions"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("community_posts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]


class DailyPoints(Base):
    """Community points a person earned on a UTC day: the daily cap is a conditional update of
    this row, so concurrent reactions can never pass it on either engine."""

    __tablename__ = "community_daily_points"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    points: Mapped[int] = mapped_column(default=0)


class Mention(Base):
    """Someone @mentioned in a post: the row is what makes the mention notify once."""

    __tablename__ = "community_mentions"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("community_posts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class CategoryFollow(Base):
    """A person told of every new topic in a category."""

    __tablename__ = "community_category_follows"

    category_id: Mapped[int] = mapped_column(
        ForeignKey("community_categories.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class TopicMute(Base):
    """A topic's author who no longer wants to hear of its replies."""

    __tablename__ = "community_topic_mutes"

    topic_id: Mapped[int] = mapped_column(
        ForeignKey("community_topics.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class Revision(Base):
    """A post's body before an edit: the history staff and members can read."""

    __tablename__ = "community_post_revisions"
    __table_args__ = (Index("ix_community_post_revisions_post_id_id", "post_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("community_posts.id", ondelete="CASCADE"))
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    editor: Mapped["User | None"] = relationship(lazy="raise")


class Flag(Base):
    """A member telling the program team a post is wrong, with why; one open flag per person and
    post. Staff resolve it by hiding the post or by dismissing the flag."""

    __tablename__ = "community_flags"
    __table_args__ = (UniqueConstraint("post_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("community_posts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    outcome: Mapped[str] = mapped_column(String(20), default="")  # "hidden" or "dismissed"

    user: Mapped["User"] = relationship(lazy="raise", foreign_keys=[user_id])


class Image(Base):
    """An image a member put in a post: the file in content storage, which the sanitizer lets
    a post show only at its own path (`portal.sanitize.STORED_IMAGE_PATH` + `name`)."""

    __tablename__ = "community_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True, info=stored_file())
    content_type: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(200))
    uploader_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TopicRead(Base):
    """Where a member stopped reading a topic: the newest post they have had on screen, so
    lists mark topics with newer posts and a link can open the first unread one."""

    __tablename__ = "community_topic_reads"

    topic_id: Mapped[int] = mapped_column(
        ForeignKey("community_topics.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    last_post_id: Mapped[int] = mapped_column(default=0)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)
