"""Manage → Emails: each kind of email, with the marketer's own subject and opening, previewed."""

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from portal import translations
from portal.forms import FormState
from portal.i18n import N_, gettext
from portal.outbox import texts
from portal.outbox.kinds import KINDS
from portal.people.access import current_user, staff_of_program
from portal.web import db, flash, redirect, render

# What a marketer can write in the program's other languages.
TRANSLATED = (
    translations.Field("subject", N_("Subject"), 300),
    translations.Field("intro", N_("Opening paragraph"), 1000, long=True),
)
# The preview frame: the email's own inline styles, no scripts, framed only by our own page.
PREVIEW_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
)


@staff_of_program
async def email_kinds(request: Request) -> Response:
    saved = await texts.texts(db(request))
    return render(request, "outbox/kinds.html", {"kinds": KINDS.values(), "saved": saved})


async def _edit_page(request: Request, form: FormState, *, status_code: int = 200) -> Response:
    kind = texts.access_kind(request.path_params["kind"])
    preview = texts.preview(kind, subject=form.value("subject"), intro=form.value("intro"))
    context = {
        "kind": kind,
        "form": form,
        "preview": preview,
        "translated_fields": TRANSLATED,
        "translation_languages": translations.targets(request.state.program.language_code),
    }
    return render(request, "outbox/kind_edit.html", context, status_code=status_code)


@staff_of_program
async def edit_kind(request: Request) -> Response:
    saved = await texts.text_for(db(request), request.path_params["kind"])
    data = (
        {
            "subject": saved.subject_source,
            "intro": saved.intro_source,
            **translations.form_data(saved.translations, TRANSLATED),
        }
        if saved
        else {}
    )
    return await _edit_page(request, FormState(data=data))


@staff_of_program
async def save_kind(request: Request) -> Response:
    form = await request.form()
    state = FormState.of(form, "subject", "intro")
    translated = translations.read_form(
        form, state, TRANSLATED, request.state.program.language_code
    )
    if form.get("action") == "preview":
        return await _edit_page(request, state)
    try:
        await texts.save_text(
            db(request),
            actor=current_user(request),
            kind=request.path_params["kind"],
            subject=state.value("subject"),
            intro=state.value("intro"),
            translations=translated,
        )
    except texts.InvalidEmailText as error:
        state.add_error(error.field, error.message)
        return await _edit_page(request, state, status_code=422)
    flash(request, gettext("Saved: new emails of this kind use your wording."))
    return redirect(request, "emails:edit", kind=request.path_params["kind"])


@staff_of_program
async def preview_html(request: Request) -> Response:
    kind = texts.access_kind(request.path_params["kind"])
    params = request.query_params
    shown = texts.preview(kind, subject=params.get("subject", ""), intro=params.get("intro", ""))
    return HTMLResponse(
        shown.html,
        headers={"Content-Security-Policy": PREVIEW_POLICY, "X-Frame-Options": "SAMEORIGIN"},
    )


routes = [
    Route("/", email_kinds, methods=["GET"], name="list"),
    Route("/{kind:str}", edit_kind, methods=["GET"], name="edit"),
    Route("/{kind:str}", save_kind, methods=["POST"], name="save"),
    Route("/{kind:str}/preview", preview_html, methods=["GET"], name="preview"),
]
