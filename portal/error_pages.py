"""Friendly error pages with the request id; JSON errors under /api/; htmx gets a flash."""

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from portal.errors import PortalError, error_title
from portal.i18n import _
from portal.middleware import add_security_headers
from portal.people.access import load_viewer
from portal.templating import templates

log = logging.getLogger("portal")


def _error_response(request: Request, status_code: int, message: str) -> Response:
    request_id = getattr(request.state, "request_id", "")
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message, "request_id": request_id}, status_code=status_code)
    context = {"status_code": status_code, "title": error_title(status_code), "message": message}
    if request.headers.get("HX-Request") == "true":
        response = templates.TemplateResponse(
            request, "_flash.html", {**context, "error": True}, status_code=status_code
        )
        response.headers.update({"HX-Retarget": "#flashes", "HX-Reswap": "innerHTML"})
        return response
    return templates.TemplateResponse(
        request, "errors/error.html", context, status_code=status_code
    )


async def portal_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, PortalError):
        raise exc
    return _error_response(request, exc.status_code, exc.message)


async def http_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException):
        raise exc
    if not hasattr(request.state, "user") and hasattr(request.state, "db"):
        await load_viewer(request)  # the router answered before any page loaded the viewer
    messages = {
        404: _("We could not find that page. It may have moved, or the link may be mistyped."),
        405: _("That page can't be used this way."),
    }
    return _error_response(request, exc.status_code, messages.get(exc.status_code, exc.detail))


async def server_error(request: Request, exc: Exception) -> Response:
    request_id = getattr(request.state, "request_id", "")
    log.exception("unhandled error in request %s", request_id, exc_info=exc)
    message = _(
        "Something went wrong on our side. Nothing you sent was saved. Please try again; "
        "if it keeps happening, tell us the request id below."
    )
    try:
        response = _error_response(request, 500, message)
    except Exception:  # the page itself failed to render: answer plainly
        response = Response(f"Server error. Request id: {request_id}", status_code=500)
    # This answer leaves from outside the other middleware, so it adds their headers itself.
    response.headers["X-Request-ID"] = request_id
    add_security_headers(response.headers, https=request.app.state.settings.https)
    return response


HANDLERS = {PortalError: portal_error, HTTPException: http_error, Exception: server_error}
