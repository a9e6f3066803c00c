"""The People table's query string: which people (filters), in which order (sort). Parsed
leniently: a value that does not parse is left out of the query and named in an error the
page shows next to its field, with what was typed kept in the form."""

from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from urllib.parse import urlencode

from starlette.datastructures import ImmutableMultiDict

from portal.forms import MAX_SEARCH
from portal.i18n import N_
from portal.parsing import INT4_MAX, has_control
from portal.people.fields import FORM_PREFIX
from portal.people.models import Role, UserStatus


class Sort(StrEnum):
    NAME = "name"
    POINTS = "points"
    LEVEL = "level"
    ACTIVITY = "activity"
    JOINED = "joined"
    REFERRALS = "referrals"
    GROUPS = "groups"

    @property
    def label(self) -> str:
        return {
            "name": N_("Name"),
            "points": N_("Points"),
            "level": N_("Level"),
            "activity": N_("Last activity"),
            "joined": N_("Joined"),
            "referrals": N_("Referrals won"),
            "groups": N_("Groups"),
        }[self.value]

    @property
    def first_descending(self) -> bool:
        """Numbers and dates read best largest and newest first; names A to Z."""
        return self is not Sort.NAME


FIELD_PREFIX = FORM_PREFIX  # a custom profile field's filter: field_<id>=<value>, as its form
TEXT_FILTERS = ("q", "company")
NUMBER_FILTERS = ("group", "level", "points_min", "points_max")
DATE_FILTERS = ("joined_from", "joined_to", "active_from", "active_to")


@dataclass(frozen=True)
class PeopleFilter:
    q: str = ""
    role: Role | None = None
    status: UserStatus | None = None
    group: int | None = None
    level: int | None = None
    company: str = ""
    points_min: int | None = None
    points_max: int | None = None
    joined_from: date | None = None
    joined_to: date | None = None
    active_from: date | None = None
    active_to: date | None = None
    fields: tuple[tuple[int, str], ...] = ()
    sort: Sort = Sort.NAME
    descending: bool = False

    def params(self, **changes: object) -> dict[str, str]:
        """The query string that gives this filter back (only what is set), with changes."""
        chosen = replace(self, **changes)  # type: ignore[arg-type]
        values: dict[str, object] = {
            "q": chosen.q,
            "role": chosen.role,
            "status": chosen.status,
            "group": chosen.group,
            "level": chosen.level,
            "company": chosen.company,
            "points_min": chosen.points_min,
            "points_max": chosen.points_max,
            "joined_from": chosen.joined_from,
            "joined_to": chosen.joined_to,
            "active_from": chosen.active_from,
            "active_to": chosen.active_to,
            **{f"{FIELD_PREFIX}{field_id}": value for field_id, value in chosen.fields},
        }
        params = {name: str(value) for name, value in values.items() if value not in (None, "")}
        if chosen.sort is not Sort.NAME or chosen.descending:
            params["sort"] = chosen.sort.value
            params["dir"] = "desc" if chosen.descending else "asc"
        return params

    @property
    def query_string(self) -> str:
        return urlencode(self.params())

    def sorted_by(self, sort: Sort) -> dict[str, str]:
        """The query string of this filter sorted by a column (again: the other direction)."""
        if sort is self.sort:
            return self.params(descending=not self.descending)
        return self.params(sort=sort, descending=sort.first_descending)

    @property
    def reads_balance(self) -> bool:
        """Whether a filter looks at points (to spend, lifetime for the level, last earned)."""
        balance_filters = (self.points_min, self.points_max, self.level)
        activity_filters = (self.active_from, self.active_to)
        return any(value is not None for value in (*balance_filters, *activity_filters))

    @property
    def is_filtered(self) -> bool:
        return bool(set(self.params()) - {"sort", "dir"})


@dataclass
class ParsedFilter:
    filter: PeopleFilter
    raw: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)


def parse_filter(params: ImmutableMultiDict[str, str]) -> ParsedFilter:
    raw = {name: params.get(name, "").strip() for name in params}
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    for name in TEXT_FILTERS:
        text = raw.get(name, "")
        if has_control(text):
            errors[name] = "Remove the control characters."
        elif len(text) > MAX_SEARCH:
            errors[name] = f"At most {MAX_SEARCH} characters."
        elif text:
            values[name] = text
    for name, choices in (("role", Role), ("status", UserStatus)):
        chosen = raw.get(name, "")
        if chosen in set(choices):
            values[name] = choices(chosen)
        elif chosen:
            errors[name] = "Choose one of the options."
    for name in NUMBER_FILTERS:
        number = raw.get(name, "")
        if number:
            parsed = _whole_number(number)
            if parsed is None:
                errors[name] = "Enter a whole number, 0 or more."
            else:
                values[name] = parsed
    for name in DATE_FILTERS:
        day = raw.get(name, "")
        if day:
            try:
                values[name] = date.fromisoformat(day)
            except ValueError:
                errors[name] = "Enter a date as YYYY-MM-DD."
    values["fields"] = _field_filters(raw, errors)
    _check_ranges(values, errors)
    sort = raw.get("sort", "")
    values["sort"] = Sort(sort) if sort in set(Sort) else Sort.NAME
    values["descending"] = raw.get("dir") == "desc"
    return ParsedFilter(PeopleFilter(**values), raw, errors)  # type: ignore[arg-type]


def _whole_number(text: str) -> int | None:
    # ASCII digits only: "²".isdigit() is true, and int() refuses it.
    if not (text.isascii() and text.isdigit()) or len(text) > 10 or int(text) > INT4_MAX:
        return None
    return int(text)


def _field_filters(raw: dict[str, str], errors: dict[str, str]) -> tuple[tuple[int, str], ...]:
    chosen = []
    for name, value in raw.items():
        if not name.startswith(FIELD_PREFIX) or not value:
            continue
        field_id = _whole_number(name.removeprefix(FIELD_PREFIX))
        if field_id is None:
            continue
        if has_control(value) or len(value) > MAX_SEARCH:
            errors[name] = f"At most {MAX_SEARCH} characters."
        else:
            chosen.append((field_id, value))
    return tuple(sorted(chosen))


def _check_ranges(values: dict[str, object], errors: dict[str, str]) -> None:
    for low, high, message in (
        ("points_min", "points_max", "The lowest points must not be above the highest."),
        ("joined_from", "joined_to", "The first day must not be after the last."),
        ("active_from", "active_to", "The first day must not be after the last."),
    ):
        start, end = values.get(low), values.get(high)
        if start is not None and end is not None and start > end:  # type: ignore[operator]
            errors[high] = message
            del values[high]
