"""Writing in-app notifications (the bell and the notifications page read them), and telling a
person in the bell and by email at once."""

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal import i18n, links
from portal.clock import utcnow
from portal.errors import NotFound
from portal.notifications.models import Notification
from portal.outbox import service as outbox
from portal.outbox.models import EmailCategory
from portal.pagination import Page
from portal.people.models import Role, User, UserRole, UserStatus
from portal.program import service as program
from portal.wording import Wording, in_english


def _english(text: str | Wording) -> str:
    return in_english(text) if isinstance(text, dict) else text


@asynccontextmanager
async def in_language_of(session: AsyncSession, user: User) -> AsyncIterator[None]:
    """The language `user` reads the bell and their email in (their own, else the program's),
    for the words a sender writes for them: `async with in_language_of(session, user): ...`."""
    config = await program.load_once(session)
    with i18n.using(i18n.choose(own=user.language, program=config.language_code)):
        yield


async def notify(
    session: AsyncSession,
    *,
    user_id: int,
    kind: str,
    title: str | Wording,
    body: str | Wording = "",
    link: str = "",
) -> Notification:
    """A title or body given as a wording is read in each reader's language; a plain one as
    written (a marketer's own words)."""
    notification = Notification(
        user_id=user_id,
        kind=kind,
        title_source=_english(title)[:200],
        title_wording=title if isinstance(title, dict) else None,
        body_source=_english(body)[:500],
        body_wording=body if isinstance(body, dict) else None,
        link=link,
    )
    session.add(notification)
    await session.flush()
    return notification


async def notify_each(
    session: AsyncSession, *, titles: Mapping[int, str | Wording], kind: str, link: str
) -> None:
    """One notification per person (user id → title) in one statement, for a batch of a
    broadcast or the people a post mentions."""
    if titles:
        await session.execute(
            insert(Notification),
            [
                {
                    "user_id": user_id,
                    "kind": kind,
                    "title_source": _english(title)[:200],
                    "title_wording": title if isinstance(title, dict) else None,
                    "body_source": "",
                    "link": link,
                }
                for user_id, title in titles.items()
            ],
        )


async def tell(
    session: AsyncSession,
    user: User,
    *,
    kind: str,
    title: str | Wording,
    body: str | Wording = "",
    route: str,
    params: Mapping[str, str | int],
    email_context: dict[str, Any],
    category: EmailCategory | None,
    email_kind: str | None = None,
) -> None:
    """Tells a person in the bell and by email (the email only while they get its category),
    both pointing at the named route. The email is of `email_kind` (the notification's kind
    unless given) and gets the person's name and the link besides `email_context`."""
    await notify(
        session,
        user_id=user.id,
        kind=kind,
        title=title,
        body=body,
        link=links.path_for(route, **params),
    )
    await outbox.queue_email(
        session,
        to=user.email,
        user_id=user.id,
        kind=email_kind or kind,
        category=category,
        context={
            "name": user.display_name,
            **email_context,
            "link": links.absolute_url(route, **params),
        },
    )


async def unread_count(session: AsyncSession, user: User) -> int:
    count = await session.scalar(
        select(func.count()).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )
    return count or 0


async def list_notifications(
    session: AsyncSession, user: User, *, page: int = 1, per_page: int = 30
) -> Page[Notification]:
    query = select(Notification).where(Notification.user_id == user.id)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.scalars(
        query.order_by(Notification.id.desc()).offset((page - 1) * per_page).limit(per_page)
    )
    return Page(items=list(rows), page=page, per_page=per_page, total=total)


async def open_notification(session: AsyncSession, user: User, notification_id: int) -> str:
    """Marks one of the user's notifications read and returns where it points (404 for
    someone else's)."""
    notification = await session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound()
    if notification.read_at is None:
        notification.read_at = utcnow()
        await session.flush()
    return notification.link if notification.link.startswith("/") else "/notifications/"


async def mark_all_read(session: AsyncSession, user: User) -> int:
    result = await session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def notify_program_staff(
    session: AsyncSession,
    *,
    kind: str,
    title: str | Wording,
    link: str,
    body: str | Wording = "",
) -> None:
    """Every active marketer and admin: for what waits on the program team."""
    staff = await session.scalars(
        select(User.id).where(
            User.status == UserStatus.ACTIVE,
            User.roles.any(UserRole.role.in_([Role.MARKETER, Role.ADMIN])),
        )
    )
    for user_id in staff:
        await notify(session, user_id=user_id, kind=kind, title=title, body=body, link=link)
