"""An advocate reading a broadcast in the portal (counted as opened), and the redirect every
link in a broadcast goes through (counted as clicked, then on to the link)."""

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal.messages import reading
from portal.people.access import current_user, public, signed_in, writes
from portal.web import db, render


@signed_in
@writes
async def read(request: Request) -> Response:
    broadcast, copy = await reading.open_message(
        db(request), viewer=current_user(request), broadcast_id=request.path_params["broadcast_id"]
    )
    return render(request, "messages/read.html", {"broadcast": broadcast, "copy": copy})


@public
@writes
async def go(request: Request) -> Response:
    target = await reading.follow_link(
        db(request), token=request.path_params["token"], number=request.path_params["number"]
    )
    return RedirectResponse(target, status_code=303)


routes = [
    Route("/{broadcast_id:int}", read, methods=["GET"], name="read"),
    Route("/go/{token}/{number:int}", go, methods=["GET"], name="go"),
]
