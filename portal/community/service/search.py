"""Searching the community: topics whose title or any post matches every word. PostgreSQL uses
its full-text search (stemmed English: "exporting" finds "export"); SQLite, for small installs,
falls back to matching each word as text. Only what the viewer may read is searched: never a
hidden topic or post, a post waiting for approval (but the viewer's own), or a category for
other groups."""

from sqlalchemy import ColumnElement, and_, exists, func, literal_column, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased, selectinload

from portal.community.models import SEARCH_LANGUAGE, Category, Post, Topic
from portal.community.service.browse import TOPICS_PER_PAGE, post_visible, topic_visible
from portal.pagination import Page
from portal.people.models import User

MAX_WORDS = 8


def _like(column: InstrumentedAttribute[str], word: str) -> ColumnElement[bool]:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def _matches(
    dialect: str, words: list[str], readable_post: ColumnElement[bool]
) -> ColumnElement[bool]:
    if dialect == "postgresql":
        # The configuration as a literal, not a parameter, so the GIN indexes match; each side
        # is found through its index and the two meet in one semi-join (an OR of the two would
        # compute the vector of every title).
        language: ColumnElement[str] = literal_column(SEARCH_LANGUAGE)
        query = func.plainto_tsquery(language, " ".join(words))
        titled = aliased(Topic)
        in_posts = select(Post.topic_id).where(
            readable_post, func.to_tsvector(language, Post.body_html).bool_op("@@")(query)
        )
        in_titles = select(titled.id).where(
            func.to_tsvector(language, titled.title).bool_op("@@")(query)
        )
        return Topic.id.in_(union(in_posts, in_titles))
    return and_(
        *(
            _like(Topic.title, word)
            | exists(
                select(Post.id).where(
                    Post.topic_id == Topic.id, readable_post, _like(Post.body_html, word)
                )
            )
            for word in words
        )
    )


async def search_topics(
    session: AsyncSession, *, viewer: User, text: str, page: int = 1
) -> Page[Topic]:
    words = text.split()[:MAX_WORDS]
    if not words:
        return Page(items=[], page=1, per_page=TOPICS_PER_PAGE, total=0)
    dialect = (await session.connection()).dialect.name
    readable_post = and_(Post.is_hidden.is_(False), post_visible(viewer))
    query = (
        select(Topic)
        .join(Category, Category.id == Topic.category_id)
        .where(
            topic_visible(viewer),
            Topic.is_hidden.is_(False),
            _matches(dialect, words, readable_post),
        )
    )
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    topics = await session.scalars(
        query.options(selectinload(Topic.author), selectinload(Topic.category))
        .order_by(Topic.last_posted_at.desc(), Topic.id.desc())
        .offset((page - 1) * TOPICS_PER_PAGE)
        .limit(TOPICS_PER_PAGE)
    )
    return Page(items=list(topics), page=page, per_page=TOPICS_PER_PAGE, total=total)
