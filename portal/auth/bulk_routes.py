"""Manage → People → Invite many: upload or paste a list, read its preview with each row's
problem, send it, and follow its progress (a page of its own, so a reload finds it again)."""

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.auth import service
from portal.auth.models import BulkInvite, BulkRowState
from portal.errors import PortalError
from portal.forms import FormState, form_text
from portal.i18n import gettext
from portal.people.access import current_user, staff_of_program
from portal.request_body import LIST_MB, accepts_upload, list_mb
from portal.web import db, flash, redirect, render

MAX_PASTED = LIST_MB * 1_000_000
SHOWN_ROWS = 100  # rows of each kind listed on the page; the counts cover them all


async def _form_page(request: Request, form: FormState, status_code: int = 200) -> Response:
    recent = await service.recent_bulk_invites(db(request))
    context = {"form": form, "recent": recent}
    return render(request, "people/invite_many.html", context, status_code=status_code)


@staff_of_program
async def invite_many(request: Request) -> Response:
    return await _form_page(request, FormState())


@staff_of_program
@accepts_upload(list_mb)
async def read_list(request: Request) -> Response:
    form = await request.form()
    state = FormState(data={"people": form_text(form, "people", max_length=MAX_PASTED)})
    text, source = state.value("people"), "Pasted list"
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        try:
            text = (await upload.read()).decode("utf-8-sig")
        except UnicodeDecodeError:
            state.add_error("file", gettext("That file is not UTF-8 text: save it as “CSV UTF-8”."))
            return await _form_page(request, state, status_code=422)
        source = upload.filename
    try:
        bulk = await service.read_list(
            db(request), staff=current_user(request), text=text, source=source
        )
    except PortalError as error:
        state.add_error("people", error.message)
        return await _form_page(request, state, status_code=error.status_code)
    return redirect(request, "people:bulk_invite", bulk_invite_id=bulk.id)


async def _bulk_page(request: Request, bulk: BulkInvite, status_code: int = 200) -> Response:
    session = db(request)
    context = {
        "bulk": bulk,
        "progress": await service.progress_of(session, bulk),
        "problems": await service.rows_of(
            session,
            bulk,
            states=(BulkRowState.INVALID, BulkRowState.FAILED),
            limit=SHOWN_ROWS,
        ),
        "valid": await service.rows_of(
            session, bulk, states=(BulkRowState.WAITING,), limit=SHOWN_ROWS
        ),
        "shown_rows": SHOWN_ROWS,
    }
    return render(
        request,
        "people/bulk_invite.html",
        context,
        partial="people/_bulk_progress.html",
        status_code=status_code,
    )


@staff_of_program
async def bulk_invite(request: Request) -> Response:
    bulk = await service.access_bulk_invite(db(request), request.path_params["bulk_invite_id"])
    return await _bulk_page(request, bulk)


@staff_of_program
async def send(request: Request) -> Response:
    bulk = await service.access_bulk_invite(db(request), request.path_params["bulk_invite_id"])
    try:
        await service.start_sending(db(request), staff=current_user(request), bulk=bulk)
    except PortalError as error:
        flash(request, error.message, "error")
    else:
        flash(request, gettext("Sending the invitations: this page follows their progress."))
    return redirect(request, "people:bulk_invite", bulk_invite_id=bulk.id)


routes = [
    Route("/invite-many", invite_many, methods=["GET"], name="invite_many"),
    Route("/invite-many", read_list, methods=["POST"], name="invite_many_read"),
    Route("/invite-many/{bulk_invite_id:int}", bulk_invite, methods=["GET"], name="bulk_invite"),
    Route(
        "/invite-many/{bulk_invite_id:int}/send", send, methods=["POST"], name="bulk_invite_send"
    ),
]
