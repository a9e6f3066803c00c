"""The Jinja2 environment: autoescape, filters, globals and the layout's context."""

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

import jinja2
from babel.dates import format_date, format_time, format_timedelta
from markupsafe import Markup
from starlette.datastructures import URL
from starlette.requests import Request
from starlette.templating import Jinja2Templates

from portal import i18n, zones
from portal.clock import utcnow
from portal.config import ROOT
from portal.icons import icon
from portal.middleware import csrf_token
from portal.money import money


def timeago(moment: datetime | None) -> str:
    """ "3 days ago", "vor 3 Tagen": in whole units, counted down (a day and a half is a day).
    English keeps days under a week's worth of weeks ("10 days ago"); other languages read
    Babel's relative units ("vor 1 Woche")."""
    if moment is None:
        return i18n.gettext("never")
    seconds = int((utcnow() - moment).total_seconds())
    units: tuple[tuple[Literal["day", "hour", "minute"], int], ...] = (
        ("day", 86400),
        ("hour", 3600),
        ("minute", 60),
    )
    for unit, size in units:
        if abs(seconds) >= size:
            count = abs(seconds) // size
            if i18n.current() == i18n.SOURCE:
                text = plural(count, unit)
                return f"in {text}" if seconds < 0 else f"{text} ago"
            # Babel reads a negative span as past ("ago"), a positive one as future.
            span = timedelta(seconds=count * size * (-1 if seconds > 0 else 1))
            return format_timedelta(
                span, granularity=unit, threshold=1, add_direction=True, locale=i18n.locale()
            )
    return i18n.gettext("just now")


def number(value: int | float | None) -> str:
    """A number as the reader writes it: "4,075" in English, "4.075" in German."""
    return "" if value is None else i18n.number(value)


def plural(count: int, singular: str, plural: str = "", *, number: bool = True) -> str:
    """`{{ n|plural("invitation") }} open`: "1 invitation", "2 invitations", "1,200 invitations";
    an irregular plural is given (`plural("entry", "entries")`); `number=False` gives the word
    alone, for a figure shown apart from its label. English only: a translated template says
    `ngettext("%(n)s invitation", "%(n)s invitations", count, n=count|number)` instead."""
    word = singular if count == 1 else plural or f"{singular}s"
    return f"{count:,} {word}" if number else word


# What a status chip says for each status a record can be in (redemptions, emails, broadcasts,
# submissions, challenges, people, webhook deliveries, bulk runs): one list, so a status reads
# the same on every page and in every language.
STATUS_WORDS = {
    "active": i18n.N_("active"),
    "approved": i18n.N_("approved"),
    "archived": i18n.N_("archived"),
    "cancelled": i18n.N_("cancelled"),
    "delivered": i18n.N_("delivered"),
    "done": i18n.N_("done"),
    "draft": i18n.N_("draft"),
    "failed": i18n.N_("failed"),
    "fulfilled": i18n.N_("fulfilled"),
    "invited": i18n.N_("invited"),
    "off": i18n.N_("off"),
    "on": i18n.N_("on"),
    "pending": i18n.N_("pending"),
    "preview": i18n.N_("preview"),
    "published": i18n.N_("published"),
    "rejected": i18n.N_("rejected"),
    "requested": i18n.N_("requested"),
    "running": i18n.N_("running"),
    "scheduled": i18n.N_("scheduled"),
    "sending": i18n.N_("sending"),
    "sent": i18n.N_("sent"),
    "suspended": i18n.N_("suspended"),
}


def status_word(status: str) -> str:
    """ "pending" → "ausstehend": a status as the reader's language says it."""
    word = STATUS_WORDS.get(str(status))
    return i18n.gettext(word) if word is not None else str(status)


def viewer_zone(context: Mapping[str, Any]) -> tzinfo:
    """The zone a page or email is read in: `viewer_zone` in its context (the layout sets the
    signed-in person's, an email its recipient's), else UTC."""
    zone = context.get("viewer_zone")
    return zone if isinstance(zone, tzinfo) else UTC


def local_date(moment: datetime | date | None, where: tzinfo = UTC) -> str:
    """ "04 Dec 2026": the day an instant falls on in `where` (a date is shown as it is)."""
    if moment is None:
        return ""
    day = moment.astimezone(where).date() if isinstance(moment, datetime) else moment
    if i18n.current() == i18n.SOURCE:
        return format_date(day, "dd MMM y", locale="en")
    return format_date(day, "medium", locale=i18n.locale())


def local_datetime(moment: datetime | None, where: tzinfo = UTC) -> str:
    """ "04 Dec 2026, 18:00 CET": the instant in `where`, the zone named (its abbreviation, or
    its offset where the zone has none), so nobody takes a Berlin time for their own."""
    if moment is None:
        return ""
    local = moment.astimezone(where)
    return f"{local_date(local, where)}, {format_time(local, 'HH:mm')} {local.tzname()}"


@jinja2.pass_context
def date_filter(context: Mapping[str, Any], moment: datetime | date | None) -> str:
    return local_date(moment, viewer_zone(context))


@jinja2.pass_context
def datetime_filter(context: Mapping[str, Any], moment: datetime | None) -> str:
    return local_datetime(moment, viewer_zone(context))


def request_zone(request: Request) -> ZoneInfo:
    """The zone of whoever reads this page: their own, else the program's (also for a visitor
    who is not signed in)."""
    program = getattr(request.state, "program", None)
    user = getattr(request.state, "user", None)
    program_zone = program.zone_name if program is not None else zones.program_default()
    return zones.person_zone(getattr(user, "time_zone", "") or "", program_zone)


def _layout_context(request: Request) -> dict[str, Any]:
    state = request.state
    user = getattr(state, "user", None)
    # The app names its navigation (wiring knows every domain's pages; this module knows none).
    navigation = getattr(request.app.state, "navigation", None) if "app" in request.scope else None
    flashes = request.session.pop("flash", []) if "session" in request.scope else []
    return {
        "current_user": user,
        # The staff member viewing the portal as `current_user`, for the banner.
        "viewing_as_by": getattr(state, "viewing_as_by", None),
        "program": getattr(state, "program", None),
        "viewer_zone": request_zone(request),
        "nav": navigation(user) if navigation is not None else None,
        "flashes": flashes,
        "csrf_token": csrf_token(request.session) if "session" in request.scope else "",
        "request_id": getattr(state, "request_id", ""),
    }


# Links without parameters (navigation, static files) by base URL and route: built once per
# process, not on every page (the router tries every route for each). Bounded, as the base URL
# comes from the request's Host.
_KNOWN_URLS: dict[tuple[str, str, tuple[tuple[str, Any], ...]], URL] = {}
MAX_KNOWN_URLS = 4096


# Links to a row (a challenge's page, a reward's image) by base URL, route and parameter names:
# the route's address with marker numbers where the ids go, found once; a list of 40 cards asks
# for 80 of them per page, and the router tries every route for each (issue 24).
_URL_SHAPES: dict[tuple[str, str, tuple[str, ...]], str] = {}
_MARKER = 9_007_199_254_740_000  # never an id; each parameter gets the marker plus its place


def _with_ids(request: Request, name: str, ids: dict[str, int]) -> URL:
    names = tuple(sorted(ids))
    key = (str(request.base_url), name, names)
    shape = _URL_SHAPES.get(key)
    if shape is None:
        shape = str(request.url_for(name, **{n: _MARKER + i for i, n in enumerate(names)}))
        if len(_URL_SHAPES) < MAX_KNOWN_URLS:
            _URL_SHAPES[key] = shape
    for place, param in enumerate(names):
        shape = shape.replace(str(_MARKER + place), str(ids[param]))
    return URL(shape)


def _ids(path_params: dict[str, Any]) -> dict[str, int] | None:
    """The parameters when every one is an id (a non-negative int), else None."""
    if all(type(value) is int and value >= 0 for value in path_params.values()):
        return path_params
    return None


@jinja2.pass_context
def url_for(context: dict[str, Any], name: str, /, **path_params: Any) -> URL:
    request: Request = context["request"]
    if path_params and name != "static":
        ids = _ids(path_params)
        return (
            _with_ids(request, name, ids)
            if ids is not None
            else request.url_for(name, **path_params)
        )
    key = (str(request.base_url), name, tuple(path_params.items()))
    url = _KNOWN_URLS.get(key)
    if url is None:
        url = request.url_for(name, **path_params)
        if len(_KNOWN_URLS) < MAX_KNOWN_URLS:
            _KNOWN_URLS[key] = url
    return url


def install_gettext(environment: jinja2.Environment) -> None:
    """`{{ _("Hello %(name)s", name=who) }}`, `{{ ngettext(...) }}` and `{% trans %}`, in the
    language in force (newstyle: arguments are escaped, the translation is not)."""
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True
    )
    environment.globals.update(languages=i18n.language_names, current_language=i18n.current)


_OPTION = Markup('<option value="{zone}"{selected}>{zone}</option>')
_SELECTED = Markup(" selected")


@lru_cache(maxsize=64)
def zone_options(chosen: str | None) -> Markup:
    """The `<option>` of every zone, `chosen` selected, built once per process and choice:
    Home asks everyone who has not chosen a zone yet, and its ~600 options rendered by the
    template took most of the page's time (issue 24)."""
    return Markup("").join(
        _OPTION.format(zone=zone, selected=_SELECTED if zone == chosen else "")
        for zone in zones.names()
    )


def make_environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(ROOT / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    install_gettext(environment)
    environment.filters.update(
        timeago=timeago,
        date=date_filter,
        datetime=datetime_filter,
        plural=plural,
        money=money,
        number=number,
        percent=i18n.percent,
        in_sentence=i18n.in_sentence,
    )
    environment.globals.update(
        icon=icon, url_for=url_for, zone_options=zone_options, status_word=status_word
    )
    return environment


environment = make_environment()
templates = Jinja2Templates(env=environment, context_processors=[_layout_context])
