"""Starting and ending "view as advocate", each an audit row (who viewed as whom, and when)."""

from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit import service as audit
from portal.errors import Forbidden
from portal.i18n import N_
from portal.people import service as people
from portal.people.models import User
from portal.people.viewing import may_view_as


class CannotViewAs(Forbidden):
    message = N_("You can only view the portal as someone else whose rights you have yourself.")


async def start_viewing_as(session: AsyncSession, *, viewer: User, user_id: int) -> User:
    person = await people.access_user(session, user_id)
    if not may_view_as(viewer, person):
        raise CannotViewAs()
    await audit.record(
        session,
        actor=viewer,
        action="people.view_as_started",
        target_type="user",
        target_id=person.id,
        summary=f"{viewer.display_name} started viewing the portal as {person.display_name}",
    )
    return person


async def stop_viewing_as(session: AsyncSession, *, viewer: User, person: User) -> None:
    await audit.record(
        session,
        actor=viewer,
        action="people.view_as_ended",
        target_type="user",
        target_id=person.id,
        summary=f"{viewer.display_name} stopped viewing the portal as {person.display_name}",
    )
