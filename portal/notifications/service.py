"""Writing in-app notifications (the bell and the notifications page read them)."""

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import utcnow
from portal.errors import NotFound
from portal.notifications.models import Notification
from portal.pagination import Page
from portal.people.models import Role, User, UserRole, UserStatus


async def notify(
    session: AsyncSession, *, user_id: int, kind: str, title: str, body: str = "", link: str = ""
) -> Notification:
    notification = Notification(user_id=user_id, kind=kind, title=title, body=body, link=link)
    session.add(notification)
    await session.flush()
    return notification


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
    session: AsyncSession, *, kind: str, title: str, link: str, body: str = ""
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
