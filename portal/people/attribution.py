"""The attribution cookie: a prospect who came through an advocate's link or a share page and
signs up later, within 30 days, is still credited to that advocate."""

from starlette.requests import Request
from starlette.responses import Response

from portal.web import settings

REFERRAL_COOKIE = "portal_ref"
REFERRAL_COOKIE_MAX_AGE = 30 * 24 * 60 * 60


def remember_referral_code(request: Request, response: Response, code: str) -> Response:
    response.set_cookie(
        REFERRAL_COOKIE,
        code,
        max_age=REFERRAL_COOKIE_MAX_AGE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings(request).https,
    )
    return response


def remembered_referral_code(request: Request) -> str:
    return request.cookies.get(REFERRAL_COOKIE, "")
