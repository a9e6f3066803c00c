"""Targeting: "everyone, or these groups". A targeted thing (an asset today; challenges and
rewards next) has a link table of (thing id, group id) rows; no rows means everyone.

`visible_to(viewer, link_thing_id, link_group_id, thing_id)` is the WHERE clause that keeps only
what the viewer may see; program staff see everything. Anything not visible answers 404.
"""

from sqlalchemy import ColumnElement, exists, not_, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute

from portal.auth.models import GroupMember, Role, User

STAFF_SEE_ALL = (Role.MARKETER, Role.ADMIN)


def visible_to(
    viewer: User,
    *,
    thing_id: InstrumentedAttribute[int],
    link_thing_id: InstrumentedAttribute[int],
    link_group_id: InstrumentedAttribute[int],
) -> ColumnElement[bool]:
    if viewer.has_role(*STAFF_SEE_ALL):
        return true()
    untargeted = not_(exists().where(link_thing_id == thing_id))
    in_a_group = exists(
        select(GroupMember.group_id).where(
            GroupMember.group_id == link_group_id,
            GroupMember.user_id == viewer.id,
            link_thing_id == thing_id,
        )
    )
    return or_(untargeted, in_a_group)
