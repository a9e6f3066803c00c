"""The bell and the notifications page."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.notifications import service
from portal.people.access import current_user, signed_in
from portal.web import db, page_number, redirect, redirect_to, render


@signed_in
async def notifications(request: Request) -> Response:
    page = await service.list_notifications(
        db(request), current_user(request), page=page_number(request)
    )
    return render(request, "notifications/list.html", {"page": page})


@signed_in
async def bell(request: Request) -> Response:
    unread = await service.unread_count(db(request), current_user(request))
    return render(request, "notifications/_bell.html", {"unread": unread})


@signed_in
async def open_notification(request: Request) -> Response:
    target = await service.open_notification(
        db(request), current_user(request), request.path_params["notification_id"]
    )
    return redirect_to(request, target)


@signed_in
async def read_all(request: Request) -> Response:
    await service.mark_all_read(db(request), current_user(request))
    return redirect(request, "notifications:list")


routes = [
    Route("/", notifications, methods=["GET"], name="list"),
    Route("/bell", bell, methods=["GET"], name="bell"),
    Route("/{notification_id:int}/open", open_notification, methods=["POST"], name="open"),
    Route("/read-all", read_all, methods=["POST"], name="read_all"),
]
