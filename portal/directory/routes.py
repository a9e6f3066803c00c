"""Manage → People: the table (sort, filter, saved views, CSV export) and bulk actions behind
a confirmation that states the count."""

from urllib.parse import parse_qsl

from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.auth import service as auth
from portal.clock import utcnow
from portal.csv import csv_response
from portal.directory import (
    bulk,
    bulk_routes,
    forms,
    keyset,
    message,
    person,
    query,
    view_as,
    views,
)
from portal.directory.filters import ParsedFilter, Sort, parse_filter
from portal.errors import Forbidden
from portal.forms import FormState
from portal.i18n import gettext
from portal.people import service as people
from portal.people.access import (
    current_user,
    signed_in,
    staff_of_program,
    viewing_as_by,
    while_viewing_as,
)
from portal.people.models import Role, UserStatus
from portal.people.viewing import SESSION_KEY as VIEW_AS_KEY
from portal.people.viewing import may_view_as
from portal.points import service as points
from portal.trust import service as trust
from portal.web import db, flash, page_number, redirect_to, render


def _cursor(request: Request, parsed: ParsedFilter) -> keyset.Cursor | None:
    """Where Previous or Next left off (`?before=` / `?after=`), if the link says."""
    for name, backwards in (("after", False), ("before", True)):
        if raw := request.query_params.get(name):
            return keyset.decode(parsed.filter.sort, raw, backwards=backwards)
    return None


async def _table_context(request: Request, parsed: ParsedFilter) -> dict[str, object]:
    session = db(request)
    group_list = await people.list_groups(session)
    levels = await points.cached_levels(session)
    fields = await people.list_profile_fields(session)
    options = {
        "role": [(role.value, role.label) for role in Role],
        "group": [(group.id, group.name) for group in group_list],
        "level": [(level.id, level.name) for level in levels],
        "fields": {field.id: [(o, o) for o in field.options] for field in fields},
    }
    return {
        "parsed": parsed,
        "filters": parsed.filter,
        "page": await query.list_people(
            session, parsed.filter, page=page_number(request), cursor=_cursor(request, parsed)
        ),
        "counts": await auth.count_by_status(session),
        "statuses": list(UserStatus),
        "sorts": list(Sort),
        "groups": group_list,
        "fields": fields,
        "options": options,
        "views": await views.list_views(session, viewer=current_user(request)),
        "actions": list(bulk.BulkAction),
    }


@staff_of_program
async def people_table(request: Request) -> Response:
    parsed = parse_filter(request.query_params)
    context = await _table_context(request, parsed)
    context["view_form"] = FormState()
    return render(
        request,
        "directory/list.html",
        context,
        partial="directory/_table.html",
        status_code=422 if parsed.errors else 200,
    )


@staff_of_program
async def export(request: Request) -> Response:
    parsed = parse_filter(request.query_params)
    header, rows = await query.export_table(db(request), parsed.filter)
    return csv_response("people.csv", header, rows)


def _filter_of(view: str) -> ParsedFilter:
    return parse_filter(ImmutableMultiDict(parse_qsl(view, keep_blank_values=True)))


def _table_url(request: Request, view: str) -> str:
    base = str(request.url_for("people:list"))
    return f"{base}?{view}" if view else base


@staff_of_program
async def save_view(request: Request) -> Response:
    state, shared = forms.view_form(await request.form())
    view = state.value("query")
    if not state.ok:
        parsed = _filter_of(view)
        context = await _table_context(request, parsed)
        context["view_form"] = state
        return render(request, "directory/list.html", context, status_code=422)
    saved = await views.save_view(
        db(request),
        owner=current_user(request),
        name=state.value("name"),
        query=_filter_of(view).filter.query_string,
        shared=shared,
    )
    flash(request, gettext("View “%(name)s” saved.") % {"name": saved.name})
    return redirect_to(request, _table_url(request, saved.query))


@staff_of_program
async def delete_view(request: Request) -> Response:
    deleted = await views.delete_view(
        db(request), owner=current_user(request), view_id=request.path_params["view_id"]
    )
    flash(request, gettext("View “%(name)s” deleted.") % {"name": deleted.name})
    return redirect_to(request, str(request.url_for("people:list")))


@staff_of_program
async def person_page(request: Request) -> Response:
    overview = await person.person_overview(db(request), request.path_params["user_id"])
    context = {
        "overview": overview,
        "person": overview.person,
        "account": overview.points,
        # The streak as it stands this week in the person's zone, as their Home shows it.
        "streak": points.streak_status(
            overview.points.balance.streak,
            overview.person,
            now=utcnow(),
            program_zone=request.state.program.zone_name,
        ),
        "trust": await trust.score_of(db(request), overview.person.id),
        "roles": list(Role),
        "may_view_as": may_view_as(current_user(request), overview.person),
    }
    return render(request, "directory/person.html", context)


@staff_of_program
async def start_view_as(request: Request) -> Response:
    person = await view_as.start_viewing_as(
        db(request), viewer=current_user(request), user_id=request.path_params["user_id"]
    )
    request.session[VIEW_AS_KEY] = person.id
    return redirect_to(request, str(request.url_for("home")))


@signed_in
@while_viewing_as
async def stop_view_as(request: Request) -> Response:
    """The way back: ends the view (if one is on) and returns to the person's page."""
    staff = viewing_as_by(request)
    request.session.pop(VIEW_AS_KEY, None)
    if staff is None:
        if not current_user(request).has_role(Role.MARKETER, Role.ADMIN):
            raise Forbidden()  # only staff ever view as someone
        return redirect_to(request, str(request.url_for("home")))
    person = current_user(request)
    await view_as.stop_viewing_as(db(request), viewer=staff, person=person)
    flash(
        request,
        gettext("You're yourself again: you stopped viewing as %(display_name)s.")
        % {"display_name": person.display_name},
    )
    return redirect_to(request, str(request.url_for("people:detail", user_id=person.id)))


routes = [
    Route("/", people_table, methods=["GET"], name="list"),
    Route("/export.csv", export, methods=["GET"], name="export"),
    Route("/{user_id:int}", person_page, methods=["GET"], name="detail"),
    Route("/{user_id:int}/view-as", start_view_as, methods=["POST"], name="view_as"),
    Route("/view-as/stop", stop_view_as, methods=["POST"], name="stop_view_as"),
    Route("/views", save_view, methods=["POST"], name="save_view"),
    Route("/views/{view_id:int}/delete", delete_view, methods=["POST"], name="delete_view"),
    *message.routes,
    *bulk_routes.routes,
]
