"""Manage → People → Profile fields: the custom fields marketers define."""

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.directory import fields
from portal.errors import PortalError
from portal.forms import FormState
from portal.i18n import gettext
from portal.people import service as people
from portal.people.access import current_user, staff_of_program
from portal.people.models import FieldKind, ProfileField
from portal.web import db, flash, redirect, render

MAX_LABEL = 80
MAX_CHOICES = 2000
KIND_LABELS = {
    FieldKind.TEXT: "Text",
    FieldKind.CHOICE: "Choice (one of a list)",
    FieldKind.NUMBER: "Number",
    FieldKind.DATE: "Date",
}
FLAGS = ("is_required", "on_signup", "on_profile")


def field_form(form: FormData) -> tuple[FormState, fields.FieldValues | None]:
    state = FormState.of(form, "label", "kind", "choices")
    for flag in FLAGS:
        state.data[flag] = "on" if form.get(flag) else ""
    state.require("label", message=gettext("Name the field, e.g. Region."))
    state.check_length("label", MAX_LABEL)
    state.check_length("choices", MAX_CHOICES)
    kind = state.value("kind")
    if kind not in set(FieldKind):
        state.add_error("kind", "Choose what kind of answer it takes.")
    choices = "\n".join(
        line.strip() for line in state.value("choices").splitlines() if line.strip()
    )
    if kind == FieldKind.CHOICE and not choices:
        state.add_error("choices", "List the options, one per line.")
    if not state.ok:
        return state, None
    return state, fields.FieldValues(
        label=state.value("label"),
        kind=FieldKind(kind),
        choices=choices if kind == FieldKind.CHOICE else "",
        is_required=bool(state.value("is_required")),
        on_signup=bool(state.value("on_signup")),
        on_profile=bool(state.value("on_profile")),
    )


def _state_of(field: ProfileField) -> FormState:
    return FormState(
        data={
            "label": field.label,
            "kind": field.kind,
            "choices": field.choices,
            **{flag: "on" if getattr(field, flag) else "" for flag in FLAGS},
        }
    )


async def _page(
    request: Request, form: FormState, *, editing: ProfileField | None, status_code: int = 200
) -> Response:
    context = {
        "fields": await people.list_profile_fields(db(request)),
        "form": form,
        "editing": editing,
        "kinds": list(KIND_LABELS.items()),
    }
    return render(request, "directory/fields.html", context, status_code=status_code)


@staff_of_program
async def list_fields(request: Request) -> Response:
    return await _page(request, FormState(data={"kind": "text", "on_profile": "on"}), editing=None)


@staff_of_program
async def edit_field(request: Request) -> Response:
    field = await fields.access_field(db(request), request.path_params["field_id"])
    return await _page(request, _state_of(field), editing=field)


@staff_of_program
async def save_field(request: Request) -> Response:
    session = db(request)
    field_id = request.path_params.get("field_id")
    editing = await fields.access_field(session, field_id) if field_id else None
    state, values = field_form(await request.form())
    if editing is not None and values is not None and values.kind != editing.kind:
        state.add_error("kind", "A field keeps its kind: add a new field for another kind.")
    if values is not None and state.ok:
        try:
            saved = await fields.save_field(
                session, staff=current_user(request), values=values, field=editing
            )
        except PortalError as error:
            state.add_error("label", error.message)
        else:
            flash(request, gettext("Profile field “%(label)s” saved.") % {"label": saved.label})
            return redirect(request, "people:fields")
    return await _page(request, state, editing=editing, status_code=422)


@staff_of_program
async def delete_field(request: Request) -> Response:
    session = db(request)
    field = await fields.access_field(session, request.path_params["field_id"])
    label = field.label
    await fields.delete_field(session, staff=current_user(request), field=field)
    flash(
        request,
        gettext("Profile field “%(label)s” and its answers are deleted.") % {"label": label},
    )
    return redirect(request, "people:fields")


routes = [
    Route("/fields", list_fields, methods=["GET"], name="fields"),
    Route("/fields", save_field, methods=["POST"], name="add_field"),
    Route("/fields/{field_id:int}", edit_field, methods=["GET"], name="edit_field"),
    Route("/fields/{field_id:int}", save_field, methods=["POST"], name="save_field"),
    Route("/fields/{field_id:int}/delete", delete_field, methods=["POST"], name="delete_field"),
]
