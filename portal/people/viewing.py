"""View as advocate: a marketer or admin sees the portal as one person sees it, read-only. The
session remembers whom they view as; `portal.people.access` then serves every page as that
person, refuses every form (and rolls back what a page would write on a GET), and keeps the
staff member as `viewing_as_by` for the banner and the way back."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal.errors import Forbidden
from portal.people.models import Role, User

SESSION_KEY = "view_as"
VIEWERS = (Role.MARKETER, Role.ADMIN)


class ViewingAsReadOnly(Forbidden):
    def __init__(self, person: User) -> None:
        super().__init__(
            f"You're viewing the portal as {person.display_name}, read-only: nothing can be "
            "changed. Use “Stop viewing” in the banner to act as yourself again."
        )


def may_view_as(viewer: User, person: User) -> bool:
    """Program staff may view as anyone else whose rights they hold themselves: never as
    someone with a role they lack (a marketer never sees what a sales rep or an admin may).
    Admins hold every right."""
    if viewer.id == person.id or not viewer.has_role(*VIEWERS):
        return False
    return viewer.has_role(Role.ADMIN) or (person.role_set - {Role.ADVOCATE}) <= viewer.role_set


async def viewed_person(session: AsyncSession, *, viewer: User, user_id: int) -> User | None:
    """The person a session views as, while the viewer may still do so."""
    person = await session.scalar(
        select(User).where(User.id == user_id).options(selectinload(User.roles))
    )
    return person if person is not None and may_view_as(viewer, person) else None
