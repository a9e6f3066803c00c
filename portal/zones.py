"""Time zones: the names a person can choose (IANA names through zoneinfo), a wall-clock time
typed in a zone read as the instant it means, and the local hour a message is sent at. The
portal stores UTC; a zone is only how a person types and reads a moment."""

from datetime import UTC, datetime, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

# Messages that speak to a person go out in this hour of their day (09:00 to 10:00 their time).
SEND_HOUR = 9

# The program's zone until an admin chooses one: PORTAL_TIME_ZONE, installed by the app, the
# worker and the scripts at start (as `portal.links` is).
_program_default = "UTC"


def install_default(name: str) -> None:
    global _program_default
    _program_default = name if is_zone(name) else "UTC"


def program_default() -> str:
    return _program_default


@cache
def names() -> tuple[str, ...]:
    """Every zone a person can choose, sorted: the IANA names the system's tz database knows."""
    return tuple(sorted(available_timezones() | {"UTC"}))


@cache
def _known() -> frozenset[str]:
    return frozenset(names())


def is_zone(name: str) -> bool:
    return name in _known()


@cache
def zone(name: str, fallback: str = "UTC") -> ZoneInfo:
    """The zone called `name`; an unknown or empty name (a setting from an older tz database)
    is the fallback, so a page never fails on it."""
    return ZoneInfo(name if is_zone(name) else fallback)


def person_zone(own: str, program: str) -> ZoneInfo:
    """A person's zone: their own choice, else the program's."""
    return zone(own or program, fallback=program if is_zone(program) else "UTC")


def read_wall_clock(moment: datetime, where: tzinfo) -> datetime:
    """A naive wall-clock time typed by someone in `where`, as the UTC instant it means. A time
    that a clock change skips (02:30 on a spring-forward night) reads as the hour after the
    change; one it repeats reads as its first occurrence."""
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    return moment.replace(tzinfo=where).astimezone(UTC)


def wall_clock(moment: datetime | None, where: tzinfo) -> str:
    """The value a `datetime-local` input shows for an instant, in `where`."""
    return moment.astimezone(where).strftime("%Y-%m-%dT%H:%M") if moment else ""


def zones_in_hour(now: datetime, hour: int = SEND_HOUR) -> list[str]:
    """The zones where the clock shows `hour` (09:00 to 09:59) at `now`: an hourly sweep sends
    to the people in these zones, so each reads their message in the morning of their day."""
    return [name for name in names() if now.astimezone(zone(name)).hour == hour]
