"""The attribution cookie, `portal_touches`: a prospect's visits through advocates' links and
share pages (touches: whose link, the campaign it carried, its UTM tags, the site the visitor
came from, when), so one who fills in the form later is still credited as the attribution model
says. Signed, so a visitor cannot write touches of their own."""

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request
from starlette.responses import Response

from portal import parsing
from portal.clock import utcnow
from portal.web import settings

TOUCHES_COOKIE = "portal_touches"
TOUCHES_KEPT = 8  # the latest visits; enough for any real path, small enough for a cookie
TOUCHES_MAX_AGE = timedelta(days=90)  # the longest attribution window a marketer can set
UTM_LENGTH = 100
HOST_LENGTH = 255


@dataclass(frozen=True)
class Touch:
    """One visit through an advocate's link or share page."""

    code: str
    at: datetime
    campaign: str = ""  # the campaign's link part, as the link carried it
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    referrer_host: str = ""

    @property
    def is_bare(self) -> bool:
        """Says nothing but whose link it was (a click from a share page to the landing page)."""
        return not (
            self.campaign
            or self.utm_source
            or self.utm_medium
            or self.utm_campaign
            or self.referrer_host
        )


def _tag(request: Request, name: str) -> str:
    value = request.query_params.get(name, "").strip()
    return "" if parsing.has_control(value) else value[:UTM_LENGTH]


def _referrer_host(request: Request) -> str:
    """The site the visitor came from (the `Referer` header's host); empty for our own pages,
    a header that is not a link, or a browser that sends none."""
    try:
        host = urlsplit(request.headers.get("referer", "")).hostname or ""
    except ValueError:
        return ""
    if parsing.has_control(host) or host == request.url.hostname:
        return ""
    return host[:HOST_LENGTH]


def touch_from(request: Request, code: str, campaign: str = "") -> Touch:
    """This visit as a touch: the link's UTM tags and where the visitor came from."""
    return Touch(
        code=code,
        at=utcnow(),
        campaign=campaign[:UTM_LENGTH],
        utm_source=_tag(request, "utm_source"),
        utm_medium=_tag(request, "utm_medium"),
        utm_campaign=_tag(request, "utm_campaign"),
        referrer_host=_referrer_host(request),
    )


def _serializer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(
        settings(request).secret_key.get_secret_value(), salt="referral-touches"
    )


def remembered_touches(request: Request) -> list[Touch]:
    """The visitor's touches, oldest first; none when the cookie is missing, altered or old."""
    raw = request.cookies.get(TOUCHES_COOKIE, "")
    if not raw:
        return []
    try:
        items = _serializer(request).loads(raw)
    except (BadSignature, ValueError, json.JSONDecodeError):
        return []
    touches = []
    oldest = utcnow() - TOUCHES_MAX_AGE
    for item in items if isinstance(items, list) else []:
        try:
            touch = Touch(**{**item, "at": datetime.fromtimestamp(item["at"], UTC)})
        except (TypeError, KeyError, ValueError, OverflowError):
            continue
        if touch.at >= oldest:
            touches.append(touch)
    return touches


def remember_touch(request: Request, response: Response, touch: Touch) -> Response:
    """Adds the visit to the visitor's touches; a bare visit right after one through the same
    advocate (from their share page on to their landing page) adds nothing, so it does not
    hide where that one came from."""
    touches = remembered_touches(request)
    if touch.is_bare and touches and touches[-1].code.lower() == touch.code.lower():
        return response
    kept = [*touches, touch][-TOUCHES_KEPT:]
    payload = [{**asdict(item), "at": int(item.at.timestamp())} for item in kept]
    response.set_cookie(
        TOUCHES_COOKIE,
        _serializer(request).dumps(payload),
        max_age=int(TOUCHES_MAX_AGE.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings(request).https,
    )
    return response
