"""Manage → Referrals → Import (admins and sales reps): upload a CRM export, map its columns,
preview every row with what is wrong with it, then import. The file travels between the steps
inside the form itself, so nothing is stored until the import; a refused import writes nothing
(the page answers 422 and the request's transaction rolls back)."""

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.errors import PortalError
from portal.forms import FormState, form_text
from portal.i18n import N_
from portal.people.access import current_user, requires
from portal.people.models import Role
from portal.referrals.service import importing
from portal.request_body import LIST_MB, MB, accepts_upload, list_mb
from portal.web import db, flash, redirect, render

pipeline_staff = requires(Role.ADMIN, Role.SALES)
MAX_TEXT = LIST_MB * MB


async def _csv_text(form: FormData) -> tuple[str, bool]:
    """The CSV's text, and whether it was just uploaded (then its columns are guessed)."""
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read(MAX_TEXT + 1)
        try:
            return raw.decode("utf-8-sig"), True
        except UnicodeDecodeError as error:
            raise PortalError(N_("Save the file as CSV in UTF-8 and upload it again.")) from error
    return form_text(form, "csv_text", max_length=MAX_TEXT), False


def _chosen_mapping(form: FormData, columns: int) -> importing.Mapping:
    mapping: importing.Mapping = {}
    for name in importing.FIELD_NAMES:
        value = form.get(f"map_{name}", "")
        index = int(value) if isinstance(value, str) and value.isdigit() else None
        mapping[name] = index if index is not None and index < columns else None
    return mapping


def _page(
    request: Request,
    state: FormState,
    *,
    status_code: int = 200,
    table: importing.Table | None = None,
    mapping: importing.Mapping | None = None,
    rows: list[importing.Row] | None = None,
    csv_text: str = "",
) -> Response:
    context = {
        "form": state,
        "fields": importing.FIELDS,
        "table": table,
        "mapping": mapping or {},
        "rows": rows or [],
        "invalid": sum(1 for row in rows or [] if not row.ok),
        "csv_text": csv_text,
    }
    return render(request, "referrals/import.html", context, status_code=status_code)


@pipeline_staff
async def start(request: Request) -> Response:
    return _page(request, FormState(data={"history": "on"}))


@pipeline_staff
@accepts_upload(list_mb)
async def preview_or_import(request: Request) -> Response:
    form = await request.form()
    state = FormState()
    state.data["history"] = "on" if form.get("history") else ""
    state.data["only_valid"] = "on" if form.get("only_valid") else ""
    try:
        text, uploaded = await _csv_text(form)
        table = importing.read_table(text)
    except PortalError as error:
        state.add_error("file", error.message)
        return _page(request, state, status_code=422)
    if uploaded:  # a first look: history (no points) until the person says otherwise
        state.data["history"] = "on"
    mapping = (
        importing.guess_mapping(table.header)
        if uploaded
        else _chosen_mapping(form, len(table.header))
    )
    for name, message in importing.mapping_errors(mapping).items():
        state.add_error(name if name != "__all__" else None, message)
    rows = await importing.check_rows(db(request), table, mapping) if state.ok else []

    def shown(status_code: int) -> Response:
        return _page(
            request,
            state,
            status_code=status_code,
            table=table,
            mapping=mapping,
            rows=rows,
            csv_text=text,
        )

    if form.get("action") != "import" or not state.ok:
        return shown(200 if state.ok else 422)
    try:
        created = await importing.import_rows(
            db(request),
            rows,
            actor=current_user(request),
            history=bool(state.value("history")),
            only_valid=bool(state.value("only_valid")),
        )
    except PortalError as error:
        state.add_error(None, error.message)
        return shown(error.status_code)
    paid = "without points (history)" if state.value("history") else "with their stage points"
    flash(request, f"{len(created)} referral{'s' if len(created) != 1 else ''} imported {paid}.")
    return redirect(request, "pipeline:board")


routes = [
    Route("/import", start, methods=["GET"], name="import"),
    Route("/import", preview_or_import, methods=["POST"], name="import_preview"),
]
