"""Manage → Messages: write a broadcast (from a template or blank), preview it as an advocate,
send it now or schedule it, follow its counts; keep the program's templates."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.clock import utcnow
from portal.forms import FormState, query_number
from portal.i18n import gettext
from portal.messages import forms, library, reading, service
from portal.messages.models import Audience
from portal.people import service as people
from portal.people.access import current_user, staff_of_program
from portal.templating import request_zone
from portal.web import db, flash, page_number, redirect, render


@staff_of_program
async def index(request: Request) -> Response:
    page = await reading.list_broadcasts(db(request), page=page_number(request))
    context = {
        "page": page,
        "stats": await reading.stats_of(db(request), page.items),
        "templates": await library.list_templates(db(request)),
    }
    return render(request, "messages/index.html", context)


async def _compose_page(
    request: Request,
    form: FormState,
    *,
    preview: service.Preview | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "form": form,
        "groups": await people.list_groups(db(request)),
        "preview": preview,
    }
    return render(request, "messages/compose.html", context, status_code=status_code)


@staff_of_program
async def compose(request: Request) -> Response:
    form = FormState(
        data={
            "audience": Audience.EVERYONE,
            "when": forms.SEND_NOW,
            "time_zone": request_zone(request).key,
        }
    )
    template_id = query_number(request.query_params, "template", minimum=1)
    if template_id is not None:
        template = await library.access_template(db(request), template_id)
        form.data.update(subject=template.subject, body=template.body_html)
    return await _compose_page(request, form)


@staff_of_program
async def send(request: Request) -> Response:
    form_data = await request.form()
    state, parsed = forms.compose_form(form_data)
    if not state.ok:
        return await _compose_page(request, state, status_code=422)
    try:
        if form_data.get("action") == "preview":
            shown = await service.preview(
                db(request),
                viewer=current_user(request),
                subject=state.value("subject"),
                body=state.value("body"),
                audience=parsed.audience,
                group_ids=parsed.group_ids,
                preview_as=state.value("preview_as"),
            )
            return await _compose_page(request, state, preview=shown)
        broadcast = await service.create_broadcast(
            db(request),
            author=current_user(request),
            subject=state.value("subject"),
            body=state.value("body"),
            audience=parsed.audience,
            group_ids=parsed.group_ids,
            send_at=parsed.send_at,
            time_zone=parsed.time_zone,
            now=utcnow(),
        )
    except service.InvalidBroadcast as error:
        state.add_error(error.field, error.message)
        return await _compose_page(request, state, status_code=error.status_code)
    flash(
        request,
        "Sending now: the counts below fill in as it goes out."
        if parsed.send_at is None
        else "Scheduled. You can cancel it until it goes out.",
    )
    return redirect(request, "broadcasts:detail", broadcast_id=broadcast.id)


@staff_of_program
async def detail(request: Request) -> Response:
    broadcast = await service.access_broadcast(db(request), request.path_params["broadcast_id"])
    context = {
        "broadcast": broadcast,
        "groups": await service.groups_of(db(request), broadcast),
        "stats": (await reading.stats_of(db(request), [broadcast]))[broadcast.id],
        "live": service.is_going_out(broadcast, now=utcnow()),
    }
    return render(request, "messages/detail.html", context, partial="messages/_progress.html")


@staff_of_program
async def cancel(request: Request) -> Response:
    broadcast_id = request.path_params["broadcast_id"]
    try:
        await service.cancel(db(request), staff=current_user(request), broadcast_id=broadcast_id)
    except service.NotCancellable as error:
        flash(request, error.message, "error")
    else:
        flash(request, gettext("Cancelled: nobody gets it."))
    return redirect(request, "broadcasts:detail", broadcast_id=broadcast_id)


async def _template_page(
    request: Request, form: FormState, *, template_id: int | None, status_code: int = 200
) -> Response:
    context = {"form": form, "template_id": template_id}
    return render(request, "messages/template.html", context, status_code=status_code)


@staff_of_program
async def new_template(request: Request) -> Response:
    return await _template_page(request, FormState(), template_id=None)


@staff_of_program
async def edit_template(request: Request) -> Response:
    template = await library.access_template(db(request), request.path_params["template_id"])
    form = FormState(
        data={"name": template.name, "subject": template.subject, "body": template.body_html}
    )
    return await _template_page(request, form, template_id=template.id)


@staff_of_program
async def save_template(request: Request) -> Response:
    template_id = request.path_params.get("template_id")
    if template_id is not None:
        await library.access_template(db(request), template_id)
    state = forms.template_form(await request.form())
    if not state.ok:
        return await _template_page(request, state, template_id=template_id, status_code=422)
    try:
        template = await library.save_template(
            db(request),
            staff=current_user(request),
            name=state.value("name"),
            subject=state.value("subject"),
            body=state.value("body"),
            template_id=template_id,
        )
    except service.InvalidBroadcast as error:
        state.add_error(error.field, error.message)
        return await _template_page(
            request, state, template_id=template_id, status_code=error.status_code
        )
    flash(request, gettext("Template “%(name)s” saved.") % {"name": template.name})
    return redirect(request, "broadcasts:index")


routes = [
    Route("/", index, methods=["GET"], name="index"),
    Route("/new", compose, methods=["GET"], name="compose"),
    Route("/new", send, methods=["POST"], name="send"),
    Route("/{broadcast_id:int}", detail, methods=["GET"], name="detail"),
    Route("/{broadcast_id:int}/cancel", cancel, methods=["POST"], name="cancel"),
    Route("/templates/new", new_template, methods=["GET"], name="new_template"),
    Route("/templates/new", save_template, methods=["POST"], name="create_template"),
    Route("/templates/{template_id:int}", edit_template, methods=["GET"], name="edit_template"),
    Route("/templates/{template_id:int}", save_template, methods=["POST"], name="update_template"),
]
