"""Typed values from what a person or a client sent, with bounds the database can hold: the one
place that turns a string into a number, an id, a moment, a choice, or text fit for its column.

Each parser returns the value or raises `InvalidInput` with a message a person can act on;
`portal.forms` turns that into an error on the field (422, the form keeps what was typed), and
query strings and paths into a 400 or 404 naming the parameter.

Why each rule: `str.isdigit()` is true for "²" and other Unicode digits that `int()` refuses, so
only ASCII digits count; PostgreSQL refuses NUL in text and a string longer than a `varchar`, and
both engines refuse integers past their column (int4 for ids, int8 for big integers), so text is
bounded by its column's length and numbers by the column's range (usually a tighter domain bound).
"""

import re
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import BigInteger, SmallInteger
from sqlalchemy.orm import QueryableAttribute

from portal import i18n, zones
from portal.errors import PortalError
from portal.i18n import N_, _

INT4_MAX = 2**31 - 1
INT8_MAX = 2**63 - 1
# Text a client may send: no control characters except tab, line feed and carriage return.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
WHOLE = re.compile(r"[+-]?[0-9]+")
# The longest path parameter that can name anything (tokens and codes are far shorter).
MAX_PATH_TEXT = 200


class InvalidInput(PortalError):
    status_code = 400
    message = N_("Something in the request is not right.")


def clean(value: str) -> str:
    """Text without the control characters no field keeps (NUL, escapes, C1 controls)."""
    return CONTROL.sub("", value)


def has_control(value: str) -> bool:
    return CONTROL.search(value) is not None


def column_length(attribute: QueryableAttribute[Any]) -> int:
    """A string column's declared length (`String(120)` → 120), the bound of its field."""
    length = getattr(attribute.expression.type, "length", None)
    if not isinstance(length, int):
        raise TypeError(f"{attribute} has no length: give its field a domain bound")
    return length


def column_max(attribute: QueryableAttribute[Any]) -> int:
    """The largest value an integer column holds."""
    column_type = attribute.expression.type
    if isinstance(column_type, SmallInteger):
        return 2**15 - 1
    return INT8_MAX if isinstance(column_type, BigInteger) else INT4_MAX


def text(value: str, *, max_length: int) -> str:
    if has_control(value):
        raise InvalidInput(_("Remove the control characters from this."))
    if len(value) > max_length:
        raise InvalidInput(
            _("Use at most %(count)s characters for this.") % {"count": i18n.number(max_length)}
        )
    return value


def whole_number(value: str, *, minimum: int, maximum: int, message: str | None = None) -> int:
    """ASCII digits with an optional sign; thousands separators are dropped."""
    raw = value.replace(",", "").replace(" ", "")
    number = int(raw) if WHOLE.fullmatch(raw) and len(raw) <= 20 else None
    if number is None or not minimum <= number <= maximum:
        raise InvalidInput(
            message
            or _("Enter a whole number from %(minimum)s to %(maximum)s.")
            % {"minimum": i18n.number(minimum), "maximum": i18n.number(maximum)}
        )
    return number


def fits_path(value: object) -> bool:
    """A path parameter that can name a row: ids within int4, text without controls."""
    if isinstance(value, int):
        return 0 <= value <= INT4_MAX
    if isinstance(value, str):
        return len(value) <= MAX_PATH_TEXT and not has_control(value)
    return True


def moment(
    value: str, *, zone: tzinfo, message: str = N_("Enter a date and time, like 2026-12-31 17:00.")
) -> datetime:
    """A `datetime-local` value, the wall-clock time of someone in `zone`, as the UTC instant it
    means (the portal keeps times in UTC); a value with an offset keeps it. Years 1000 to 9999."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(message) from None
    if not 1000 <= parsed.year <= 9999:
        raise InvalidInput(message)
    try:
        return zones.read_wall_clock(parsed, zone)
    except OverflowError:  # 9999-12-31 23:59 west of UTC is in year 10000 there
        raise InvalidInput(message) from None


def web_url(value: str, *, max_length: int) -> str:
    """A full http(s) link to a host with a dot in its name."""
    parts = urlsplit(value)
    if (
        len(value) > max_length
        or parts.scheme not in {"http", "https"}
        or "." not in parts.netloc
        or any(ch.isspace() for ch in value)
        or has_control(value)
    ):
        raise InvalidInput(N_("Enter a full link, like https://…"))
    return value
