"""Manage → Groups: create groups, find people to add, remove them, bulk add from a CSV."""

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.errors import PortalError
from portal.forms import FormState, form_text, query_text
from portal.groups import forms, service
from portal.i18n import gettext
from portal.links import absolute_url
from portal.people.access import current_user, staff_of_program
from portal.people.segment_rules import Rule
from portal.request_body import accepts_upload, list_mb
from portal.web import db, flash, redirect, render

MAX_PASTED = 2_000_000  # as much as the file part may add


async def _list_page(request: Request, form: FormState, status_code: int = 200) -> Response:
    rows = await service.groups_with_counts(db(request))
    return render(
        request, "groups/list.html", {"rows": rows, "form": form}, status_code=status_code
    )


@staff_of_program
async def group_list(request: Request) -> Response:
    return await _list_page(request, FormState())


@staff_of_program
async def create(request: Request) -> Response:
    state = forms.group_form(await request.form())
    if not state.ok:
        return await _list_page(request, state, status_code=422)
    try:
        group = await service.create_group(
            db(request),
            staff=current_user(request),
            name=state.value("name"),
            description=state.value("description"),
        )
    except PortalError as error:
        state.add_error("name", error.message)
        return await _list_page(request, state, status_code=error.status_code)
    flash(request, gettext("%(name)s created. Now add its members.") % {"name": group.name})
    return redirect(request, "groups:detail", group_id=group.id)


@staff_of_program
async def detail(request: Request) -> Response:
    group = await service.access_group(db(request), request.path_params["group_id"])
    query = query_text(request.query_params, "q", max_length=100)
    context = {
        "group": group,
        "members": await service.members_of(db(request), group),
        "rules": [Rule.from_stored(rule) for rule in group.rules],
        "join_url": absolute_url("auth:join", code=group.join_code) if group.join_code else "",
        "q": query,
        "found": await service.search_people(db(request), group=group, query=query),
    }
    return render(request, "groups/detail.html", context, partial="groups/_search.html")


@staff_of_program
async def add_member(request: Request) -> Response:
    group = await service.access_group(db(request), request.path_params["group_id"])
    _, user_id = forms.member_form(await request.form())
    if user_id is None:
        flash(request, gettext("Choose someone to add."), "error")
    else:
        try:
            user = await service.add_member(
                db(request), staff=current_user(request), group=group, user_id=user_id
            )
        except PortalError as error:
            flash(request, error.message, "error")
        else:
            flash(
                request,
                gettext("%(display_name)s added to %(name)s.")
                % {"display_name": user.display_name, "name": group.name},
            )
    return redirect(request, "groups:detail", group_id=group.id)


@staff_of_program
async def remove_member(request: Request) -> Response:
    group = await service.access_group(db(request), request.path_params["group_id"])
    try:
        await service.remove_member(
            db(request),
            staff=current_user(request),
            group=group,
            user_id=request.path_params["user_id"],
        )
    except PortalError as error:
        flash(request, error.message, "error")
    else:
        flash(request, gettext("Removed from %(name)s.") % {"name": group.name})
    return redirect(request, "groups:detail", group_id=group.id)


@staff_of_program
@accepts_upload(list_mb)
async def import_emails(request: Request) -> Response:
    group = await service.access_group(db(request), request.path_params["group_id"])
    form = await request.form()
    pasted = form_text(form, "emails", max_length=MAX_PASTED)
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        pasted += "\n" + (await upload.read(2_000_000)).decode("utf-8-sig", errors="replace")
    try:
        result = await service.add_by_emails(
            db(request), staff=current_user(request), group=group, text=pasted
        )
    except PortalError as error:
        flash(request, error.message, "error")
    else:
        message = f"{result.added} added, {result.already} already in the group."
        if result.unknown:
            message += f" Not found ({len(result.unknown)}): " + ", ".join(result.unknown[:10])
        flash(request, message, "success" if not result.unknown else "error")
    return redirect(request, "groups:detail", group_id=group.id)


@staff_of_program
async def join_link(request: Request) -> Response:
    group = await service.access_group(db(request), request.path_params["group_id"])
    on = (await request.form()).get("link") == "on"
    try:
        await service.set_join_link(db(request), staff=current_user(request), group=group, on=on)
    except PortalError as error:
        flash(request, error.message, "error")
    else:
        flash(request, "A new join link is ready." if on else "The join link is off.")
    return redirect(request, "groups:detail", group_id=group.id)


routes = [
    Route("/", group_list, methods=["GET"], name="list"),
    Route("/", create, methods=["POST"], name="create"),
    Route("/{group_id:int}", detail, methods=["GET"], name="detail"),
    Route("/{group_id:int}/members", add_member, methods=["POST"], name="add"),
    Route(
        "/{group_id:int}/members/{user_id:int}/remove",
        remove_member,
        methods=["POST"],
        name="remove",
    ),
    Route("/{group_id:int}/import", import_emails, methods=["POST"], name="import"),
    Route("/{group_id:int}/join-link", join_link, methods=["POST"], name="join_link"),
]
