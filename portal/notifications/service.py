"""Writing in-app notifications (the bell and the notifications page read them)."""

from sqlalchemy.ext.asyncio import AsyncSession

from portal.notifications.models import Notification


async def notify(
    session: AsyncSession, *, user_id: int, kind: str, title: str, body: str = "", link: str = ""
) -> Notification:
    notification = Notification(user_id=user_id, kind=kind, title=title, body=body, link=link)
    session.add(notification)
    await session.flush()
    return notification
