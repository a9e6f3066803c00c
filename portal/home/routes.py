"""The Home each person lands on after signing in: staff see their part of the program, and a
staff member who is also an advocate can switch to their advocate Home (`?view=advocate`)."""

from starlette.requests import Request
from starlette.responses import Response

from portal import links
from portal.clock import utcnow
from portal.home import badges, service, staff
from portal.people.access import current_user, signed_in
from portal.people.models import Role
from portal.points import service as points
from portal.web import db, render, settings


@signed_in
async def home(request: Request) -> Response:
    user = current_user(request)
    as_advocate = request.query_params.get("view") == "advocate" and user.has_role(Role.ADVOCATE)
    if user.is_staff and not as_advocate:
        view = await staff.staff_home(db(request), user, now=utcnow())
        context = {"view": view, "smtp_configured": bool(settings(request).smtp_url)}
        return render(request, "home/staff.html", context)
    program = request.state.program
    advocate_view = await service.home_view(
        db(request),
        user,
        exclude_staff=program.leaderboard_excludes_staff,
        program_zone=program.zone_name,
    )
    return render(
        request,
        "home/index.html",
        {
            "view": advocate_view,
            "season": await points.running_standing(
                db(request), user, exclude_staff=program.leaderboard_excludes_staff
            ),
            "share_link": links.absolute_url("referrals:landing", code=user.referral_code),
        },
    )


@signed_in
async def my_badges(request: Request) -> Response:
    board = await badges.badge_board(
        db(request), current_user(request), program_zone=request.state.program.zone_name
    )
    return render(request, "home/badges.html", {"board": board})
