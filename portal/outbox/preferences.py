"""Email preferences per category, and signed one-click unsubscribe links (RFC 8058)."""

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import links
from portal.errors import PortalError
from portal.i18n import N_
from portal.outbox.models import EmailCategory, EmailOptOut
from portal.people.models import Role, User
from portal.program import service as program


class BadUnsubscribeLink(PortalError):
    status_code = 400
    message = N_("This unsubscribe link is not valid. Change your email settings on your profile.")


async def is_opted_out(session: AsyncSession, *, user_id: int, category: EmailCategory) -> bool:
    found = await session.get(EmailOptOut, (user_id, category))
    return found is not None


STAFF_ONLY = frozenset({EmailCategory.PROGRAM_SUMMARY})


async def preferences_of(session: AsyncSession, user: User) -> dict[EmailCategory, bool]:
    """The categories this person can get (staff-only ones for staff) and whether each is on."""
    off = set(
        await session.scalars(select(EmailOptOut.category).where(EmailOptOut.user_id == user.id))
    )
    staff = user.has_role(Role.MARKETER, Role.ADMIN)
    return {
        category: category not in off
        for category in EmailCategory
        if staff or category not in STAFF_ONLY
    }


async def switch_on(session: AsyncSession, *, user_id: int, category: EmailCategory) -> None:
    """Undoes an earlier unsubscribe from one category (a person asked for it again)."""
    await session.execute(
        delete(EmailOptOut).where(EmailOptOut.user_id == user_id, EmailOptOut.category == category)
    )


async def save_preferences(
    session: AsyncSession, *, user: User, wanted: set[EmailCategory]
) -> dict[EmailCategory, bool]:
    await session.execute(delete(EmailOptOut).where(EmailOptOut.user_id == user.id))
    session.add_all(
        EmailOptOut(user_id=user.id, category=category)
        for category in EmailCategory
        if category not in wanted
    )
    await session.flush()
    return await preferences_of(session, user)


async def _serializer(session: AsyncSession) -> URLSafeSerializer:
    return URLSafeSerializer(await program.signing_key(session, "unsubscribe"), salt="unsubscribe")


async def unsubscribe_url(session: AsyncSession, *, user_id: int, category: EmailCategory) -> str:
    token = (await _serializer(session)).dumps([user_id, category.value])
    return links.absolute_url("unsubscribe:page", token=token)


async def read_unsubscribe_token(session: AsyncSession, token: str) -> tuple[User, EmailCategory]:
    try:
        user_id, category = (await _serializer(session)).loads(token)
        user = await session.get(User, int(user_id))
        chosen = EmailCategory(category)
    except (BadSignature, ValueError, TypeError) as error:
        raise BadUnsubscribeLink() from error
    if user is None:
        raise BadUnsubscribeLink()
    return user, chosen


async def unsubscribe(session: AsyncSession, token: str) -> tuple[User, EmailCategory]:
    """Switches the link's category off for its person; doing it twice changes nothing."""
    user, category = await read_unsubscribe_token(session, token)
    if not await is_opted_out(session, user_id=user.id, category=category):
        session.add(EmailOptOut(user_id=user.id, category=category))
        await session.flush()
    return user, category
