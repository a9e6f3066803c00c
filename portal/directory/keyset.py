"""Keyset paging for the People table. Next and Previous carry the sort key of the page's last
(or first) row, `?after=` / `?before=`, and the page is read from the index from that key on,
however deep: the database walks 25 entries, not the offset's 50 000. A page opened by its
number alone (a typed or saved link) still skips by OFFSET. Every order is a total order on
(sort value, user id), so the page before a row is the page after it in the other direction,
reversed."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, tuple_

from portal.directory.filters import Sort

Value = str | int | datetime | None
MAX_CURSOR = 300  # a lower-cased name of 120 characters and an id fit with room to spare
SEPARATOR = "~"


@dataclass(frozen=True)
class Cursor:
    value: Value
    user_id: int
    backwards: bool  # the page before this row, not after it


def encode(value: Value, user_id: int) -> str:
    shown = value.isoformat() if isinstance(value, datetime) else "" if value is None else value
    return f"{shown}{SEPARATOR}{user_id}"


def decode(sort: Sort, raw: str, *, backwards: bool) -> Cursor | None:
    """The cursor in a link, or None when it is not one of this sort's (the page number then
    decides, so a mangled link still opens a page)."""
    text, _, user_id = raw[:MAX_CURSOR].rpartition(SEPARATOR)
    if not user_id.isdigit():
        return None
    value: Value = text
    try:
        if sort in (Sort.POINTS, Sort.LEVEL, Sort.REFERRALS, Sort.GROUPS):
            value = int(text)
        elif sort is Sort.JOINED or (sort is Sort.ACTIVITY and text):
            value = datetime.fromisoformat(text)
        elif sort is Sort.ACTIVITY:
            value = None
    except ValueError:
        return None
    return Cursor(value, int(user_id), backwards)


def beyond(
    column: Any, tie: Any, cursor: Cursor, *, descending: bool, nullable: bool = False
) -> ColumnElement[bool]:
    """The rows after the cursor's in this direction. A missing value (no activity yet) sorts
    last newest first and first oldest first, as the table's own order puts it."""
    key = tuple_(column, tie)
    if cursor.value is None:
        after_id = tie < cursor.user_id if descending else tie > cursor.user_id
        missing = and_(column.is_(None), after_id)
        return missing if descending else or_(missing, column.is_not(None))
    beyond_key = (
        key < tuple_(cursor.value, cursor.user_id)
        if descending
        else key > tuple_(cursor.value, cursor.user_id)
    )
    return or_(beyond_key, column.is_(None)) if descending and nullable else beyond_key
