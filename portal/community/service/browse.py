"""What a person may read in the community, and the pages that read it: the categories they may
see (targeting), a category's topics (pinned first, then the latest activity), a topic's posts
a page at a time, and where a given post sits (so links keep the reader's place)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from portal.community.models import Category, CategoryGroup, Post, Reaction, Topic
from portal.errors import NotFound
from portal.pagination import Page
from portal.people.models import Role, User
from portal.people.targeting import visible_to

TOPICS_PER_PAGE = 20
POSTS_PER_PAGE = 20
STAFF = (Role.MARKETER, Role.ADMIN)


def is_staff(viewer: User) -> bool:
    return viewer.has_role(*STAFF)


def category_visible(viewer: User) -> ColumnElement[bool]:
    return visible_to(
        viewer,
        is_targeted=Category.is_targeted,
        thing_id=Category.id,
        link_thing_id=CategoryGroup.category_id,
        link_group_id=CategoryGroup.group_id,
    )


def topic_visible(viewer: User) -> ColumnElement[bool]:
    """In a category the viewer may see, not hidden, and approved or their own (staff see
    hidden and waiting topics, marked)."""
    if is_staff(viewer):
        return category_visible(viewer)
    return and_(
        category_visible(viewer),
        Topic.is_hidden.is_(False),
        or_(Topic.is_approved.is_(True), Topic.author_id == viewer.id),
    )


def post_visible(viewer: User) -> ColumnElement[bool]:
    """Approved posts, and the viewer's own waiting ones (staff: all)."""
    if is_staff(viewer):
        return Post.id.is_not(None)
    return or_(Post.is_approved.is_(True), Post.author_id == viewer.id)


@dataclass(frozen=True)
class CategoryRow:
    category: Category
    topics: int
    last_posted_at: datetime | None


async def list_categories(session: AsyncSession, *, viewer: User) -> list[CategoryRow]:
    counts = (
        select(
            Topic.category_id,
            func.count(Topic.id).label("topics"),
            func.max(Topic.last_posted_at).label("latest"),
        )
        .where(Topic.is_hidden.is_(False), Topic.is_approved.is_(True))
        .group_by(Topic.category_id)
        .subquery()
    )
    rows = await session.execute(
        select(Category, counts.c.topics, counts.c.latest)
        .outerjoin(counts, counts.c.category_id == Category.id)
        .where(category_visible(viewer))
        .order_by(Category.position, Category.name)
    )
    return [CategoryRow(category, topics or 0, latest) for category, topics, latest in rows]


async def access_category(session: AsyncSession, *, viewer: User, category_id: int) -> Category:
    category = await session.scalar(
        select(Category).where(Category.id == category_id, category_visible(viewer))
    )
    if category is None:
        raise NotFound()
    return category


async def list_topics(
    session: AsyncSession, *, viewer: User, category: Category | None = None, page: int = 1
) -> Page[Topic]:
    """Pinned topics first, then by latest activity; only categories the viewer may see."""
    query = select(Topic).join(Category, Category.id == Topic.category_id)
    query = query.where(topic_visible(viewer))
    if category is not None:
        query = query.where(Topic.category_id == category.id)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    topics = await session.scalars(
        query.options(selectinload(Topic.author), selectinload(Topic.category))
        .order_by(Topic.is_pinned.desc(), Topic.last_posted_at.desc(), Topic.id.desc())
        .offset((page - 1) * TOPICS_PER_PAGE)
        .limit(TOPICS_PER_PAGE)
    )
    return Page(items=list(topics), page=page, per_page=TOPICS_PER_PAGE, total=total)


async def access_topic(session: AsyncSession, *, viewer: User, topic_id: int) -> Topic:
    topic = await session.scalar(
        select(Topic)
        .join(Category, Category.id == Topic.category_id)
        .where(Topic.id == topic_id, topic_visible(viewer))
        # One statement: the category is joined already, the author one row more.
        .options(contains_eager(Topic.category), joinedload(Topic.author))
    )
    if topic is None:
        raise NotFound()
    return topic


@dataclass(frozen=True)
class TopicPage:
    topic: Topic
    posts: Page[Post]
    answer: Post | None  # the accepted answer, shown under the opening post
    found_helpful: frozenset[int]  # the viewer's "helpful" reactions among these posts


async def read_topic(session: AsyncSession, *, viewer: User, topic_id: int, page: int) -> TopicPage:
    topic = await access_topic(session, viewer=viewer, topic_id=topic_id)
    total = (
        await session.scalar(
            select(func.count()).where(Post.topic_id == topic.id, post_visible(viewer))
        )
        or 0
    )
    pages = max(1, -(-total // POSTS_PER_PAGE))
    page = min(page, pages)
    posts = list(
        await session.scalars(
            select(Post)
            .where(Post.topic_id == topic.id, post_visible(viewer))
            .options(selectinload(Post.author))
            .order_by(Post.id)
            .offset((page - 1) * POSTS_PER_PAGE)
            .limit(POSTS_PER_PAGE)
        )
    )
    answer = None
    if topic.answered_at is not None:
        answer = await session.scalar(
            select(Post)
            .where(Post.topic_id == topic.id, Post.is_answer.is_(True))
            .options(joinedload(Post.author))
        )
        if answer is not None and answer.is_hidden and not is_staff(viewer):
            answer = None
    found = await session.scalars(
        select(Reaction.post_id).where(
            Reaction.user_id == viewer.id,
            Reaction.withdrawn_at.is_(None),
            Reaction.post_id.in_([post.id for post in posts]),
        )
    )
    return TopicPage(
        topic=topic,
        posts=Page(items=posts, page=page, per_page=POSTS_PER_PAGE, total=total),
        answer=answer,
        found_helpful=frozenset(found),
    )


async def access_post(session: AsyncSession, *, viewer: User, post_id: int) -> Post:
    post = await session.scalar(
        select(Post)
        .join(Topic, Topic.id == Post.topic_id)
        .join(Category, Category.id == Topic.category_id)
        .where(Post.id == post_id, topic_visible(viewer), post_visible(viewer))
        .options(selectinload(Post.author))
    )
    if post is None or (post.is_hidden and not is_staff(viewer)):
        raise NotFound()
    return post


async def page_of_post(session: AsyncSession, *, viewer: User, post: Post) -> int:
    """The page of its topic a post is on, as the viewer reads it (posts are in id order)."""
    before = await session.scalar(
        select(func.count()).where(
            Post.topic_id == post.topic_id, Post.id < post.id, post_visible(viewer)
        )
    )
    return (before or 0) // POSTS_PER_PAGE + 1


async def busiest_topics(session: AsyncSession, *, since: datetime, limit: int = 3) -> list[str]:
    """The titles of the week's liveliest topics everyone may see (most posts since `since`),
    for the weekly digest: never a hidden topic, never one of a category for some groups."""
    posts = func.count(Post.id)
    rows = await session.execute(
        select(Topic.title, posts)
        .join(Post, Post.topic_id == Topic.id)
        .join(Category, Category.id == Topic.category_id)
        .where(
            Post.created_at >= since,
            Post.is_hidden.is_(False),
            Post.is_approved.is_(True),
            Topic.is_hidden.is_(False),
            Category.is_targeted.is_(False),
        )
        .group_by(Topic.id, Topic.title)
        .order_by(posts.desc(), Topic.id.desc())
        .limit(limit)
    )
    return [title for title, _ in rows]
