"""Manage → Audit log (admins): staff actions with who, what, when and before/after."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.audit import service
from portal.forms import MAX_SEARCH, query_text
from portal.people.access import requires
from portal.people.models import Role
from portal.web import db, page_number, render


@requires(Role.ADMIN)
async def list_entries(request: Request) -> Response:
    prefix = query_text(request.query_params, "action", max_length=MAX_SEARCH)
    page = await service.list_entries(db(request), action_prefix=prefix, page=page_number(request))
    return render(
        request, "audit/list.html", {"page": page, "action": prefix}, partial="audit/_table.html"
    )


routes = [Route("/", list_entries, methods=["GET"], name="list")]
