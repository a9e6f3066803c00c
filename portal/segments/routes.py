"""Manage → Groups → New segment / Edit rules: the rule rows, a preview (how many match and
who) on every submit, and saving, which fills the members at once."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.errors import PortalError
from portal.forms import FormState
from portal.people import service as people
from portal.people.access import current_user, staff_of_program
from portal.people.models import Group
from portal.people.segment_rules import KINDS
from portal.segments import forms, service
from portal.web import db, redirect, render


async def _page(
    request: Request,
    state: FormState,
    group: Group | None,
    preview: service.Preview | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "form": state,
        "group": group,
        "kinds": {kind: spec for kind, spec in KINDS.items() if not kind.on_field},
        "field_choices": forms.field_choices(await people.list_profile_fields(db(request))),
        "rows": forms.rows_to_show(state),
        "levels": await service.level_names(db(request)),
        "preview": preview,
    }
    return render(request, "segments/edit.html", context, status_code=status_code)


async def _group(request: Request) -> Group | None:
    group_id = request.path_params.get("group_id")
    return None if group_id is None else await service.access_segment(db(request), group_id)


@staff_of_program
async def edit(request: Request) -> Response:
    group = await _group(request)
    state = FormState() if group is None else forms.filled(group)
    preview = None if group is None else await service.preview(db(request), service.rules_of(group))
    return await _page(request, state, group, preview)


@staff_of_program
async def submit(request: Request) -> Response:
    group = await _group(request)
    form = await request.form()
    state, rules = forms.segment_form(
        form,
        levels=await service.level_names(db(request)),
        fields=await people.list_profile_fields(db(request)),
    )
    preview = await service.preview(db(request), rules) if rules and state.ok else None
    if not state.ok:
        return await _page(request, state, group, preview, status_code=422)
    if form.get("action") != "save":
        return await _page(request, state, group, preview)
    try:
        saved = await service.save_segment(
            db(request),
            staff=current_user(request),
            group=group,
            name=state.value("name"),
            description=state.value("description"),
            rules=rules,
        )
    except PortalError as error:
        state.add_error("name", error.message)
        return await _page(request, state, group, preview, status_code=error.status_code)
    return redirect(request, "groups:detail", group_id=saved.id)


routes = [
    Route("/new", edit, methods=["GET"], name="new"),
    Route("/new", submit, methods=["POST"], name="create"),
    Route("/{group_id:int}", edit, methods=["GET"], name="edit"),
    Route("/{group_id:int}", submit, methods=["POST"], name="update"),
]
