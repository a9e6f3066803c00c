from starlette.requests import Request
from starlette.responses import Response

from portal.home import service
from portal.web import current_user, db, render, settings, signed_in


@signed_in
async def home(request: Request) -> Response:
    user = current_user(request)
    glance = await service.program_glance(db(request)) if user.is_staff else None
    return render(
        request,
        "home/index.html",
        {
            "steps": service.getting_started(user),
            "glance": glance,
            "smtp_configured": bool(settings(request).smtp_url),
        },
    )
