"""The Jinja2 environment: autoescape, filters, globals and the layout's context."""

from datetime import datetime
from typing import Any

import jinja2
from starlette.datastructures import URL
from starlette.requests import Request
from starlette.templating import Jinja2Templates

from portal.clock import utcnow
from portal.config import ROOT
from portal.icons import icon
from portal.middleware import csrf_token
from portal.money import money


def timeago(moment: datetime | None) -> str:
    if moment is None:
        return "never"
    seconds = int((utcnow() - moment).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            text = plural(count, unit)
            return f"in {text}" if future else f"{text} ago"
    return "just now"


def plural(count: int, singular: str, plural: str = "", *, number: bool = True) -> str:
    """`{{ n|plural("invitation") }} open`: "1 invitation", "2 invitations", "1,200 invitations";
    an irregular plural is given (`plural("entry", "entries")`); `number=False` gives the word
    alone, for a figure shown apart from its label."""
    word = singular if count == 1 else plural or f"{singular}s"
    return f"{count:,} {word}" if number else word


def date(moment: datetime | None, fmt: str = "%d %b %Y") -> str:
    return "" if moment is None else moment.strftime(fmt)


def datetime_text(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%d %b %Y, %H:%M UTC")


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


@jinja2.pass_context
def url_for(context: dict[str, Any], name: str, /, **path_params: Any) -> URL:
    request: Request = context["request"]
    if path_params and name != "static":
        return request.url_for(name, **path_params)
    key = (str(request.base_url), name, tuple(path_params.items()))
    url = _KNOWN_URLS.get(key)
    if url is None:
        url = request.url_for(name, **path_params)
        if len(_KNOWN_URLS) < MAX_KNOWN_URLS:
            _KNOWN_URLS[key] = url
    return url


def make_environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(ROOT / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        timeago=timeago, date=date, datetime=datetime_text, plural=plural, money=money
    )
    environment.globals.update(icon=icon, url_for=url_for)
    return environment


environment = make_environment()
templates = Jinja2Templates(env=environment, context_processors=[_layout_context])
