from starlette.requests import Request
from starlette.responses import Response

from portal import links
from portal.home import service
from portal.people.access import current_user, signed_in
from portal.web import db, render, settings


@signed_in
async def home(request: Request) -> Response:
    view = await service.home_view(
        db(request),
        current_user(request),
        exclude_staff=request.state.program.leaderboard_excludes_staff,
    )
    return render(
        request,
        "home/index.html",
        {
            "view": view,
            "smtp_configured": bool(settings(request).smtp_url),
            "share_link": links.absolute_url(
                "referrals:landing", code=current_user(request).referral_code
            ),
        },
    )
