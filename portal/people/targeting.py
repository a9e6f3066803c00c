"""Targeting: "everyone, or these groups". A targetable thing (a content item, a challenge, a
reward) has an `is_targeted` flag and a link table of (thing id, group id) rows.

`visible_to(viewer, ...)` is the WHERE clause that keeps only what the viewer may see: things
not targeted, and targeted things with one of the viewer's groups; program staff see
everything. Anything not visible answers 404. The flag, not the absence of link rows, says
"everyone": deleting a group hides what was meant for it instead of showing it to all.
"""

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from portal.people.models import GroupMember, Role, User, UserRole

STAFF_SEE_ALL = (Role.MARKETER, Role.ADMIN)


def sees_everything(viewer: User) -> ColumnElement[bool]:
    """Program staff see all targeted and unpublished things. Asked in SQL, not of
    viewer.roles: the viewer may come from a query that didn't load them."""
    return exists(
        select(UserRole.role).where(UserRole.user_id == viewer.id, UserRole.role.in_(STAFF_SEE_ALL))
    )


def visible_to(
    viewer: User,
    *,
    is_targeted: InstrumentedAttribute[bool],
    thing_id: InstrumentedAttribute[int],
    link_thing_id: InstrumentedAttribute[int],
    link_group_id: InstrumentedAttribute[int],
    staff_see_all: bool = True,
) -> ColumnElement[bool]:
    staff = sees_everything(viewer)
    untargeted = is_targeted.is_(False)
    in_a_group = exists(
        select(GroupMember.group_id).where(
            GroupMember.group_id == link_group_id,
            GroupMember.user_id == viewer.id,
            link_thing_id == thing_id,
        )
    )
    return or_(staff, untargeted, in_a_group) if staff_see_all else or_(untargeted, in_a_group)
