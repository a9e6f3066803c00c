"""Send a message from the People table: a broadcast to the ticked people, to everyone the
table's filters match, or to a saved view. The page is the broadcast's compose page with the
audience fixed and counted; the people are the active advocates among them when it is sent
or scheduled, kept by the broadcast service in one INSERT … SELECT whatever their number, and
for a saved view read again from the view when sending starts."""

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.clock import utcnow
from portal.directory.audience import (
    ChosenPeople,
    follow_saved_view,
    people_query,
    saved_audience,
)
from portal.directory.forms import MAX_VIEW_QUERY
from portal.errors import NotFound
from portal.forms import FormState, ids
from portal.messages import forms as message_forms
from portal.messages import service as broadcasts
from portal.messages.models import Audience
from portal.people.access import current_user, staff_of_program
from portal.web import db, flash, redirect, render


async def _audience_of(request: Request, form: FormData) -> ChosenPeople:
    scope = str(form.get("scope", ""))
    if scope == "saved":
        saved_id = next(iter(ids(form, "saved")), None)
        if saved_id is None:
            raise NotFound()
        return await saved_audience(db(request), current_user(request), saved_id)
    view = str(form.get("view", ""))[:MAX_VIEW_QUERY]
    if scope == "all":
        return ChosenPeople("all", view)
    return ChosenPeople("selected", view, tuple(sorted(ids(form, "ids"))))


async def compose_page(
    request: Request,
    form: FormState,
    chosen: ChosenPeople,
    *,
    preview: broadcasts.Preview | None = None,
    status_code: int = 200,
) -> Response:
    session = db(request)
    reach = await broadcasts.count_audience(
        session, Audience.PEOPLE, people=await people_query(session, chosen)
    )
    context = {
        "form": form,
        "chosen": chosen,
        "reach": reach,
        "preview": preview,
    }
    return render(request, "directory/message.html", context, status_code=status_code)


def blank_form() -> FormState:
    return FormState(data={"when": message_forms.SEND_NOW})


@staff_of_program
async def compose_for_view(request: Request) -> Response:
    """A message to a saved view, opened from the view's link on the People table."""
    view_id = request.path_params["view_id"]
    chosen = await saved_audience(db(request), current_user(request), view_id)
    return await compose_page(request, blank_form(), chosen)


@staff_of_program
async def send(request: Request) -> Response:
    form_data = await request.form()
    chosen = await _audience_of(request, form_data)
    state, parsed = message_forms.compose_form(form_data)
    if not state.ok:
        return await compose_page(request, state, chosen, status_code=422)
    session = db(request)
    people = await people_query(session, chosen)
    try:
        if form_data.get("action") == "preview":
            shown = await broadcasts.preview(
                session,
                viewer=current_user(request),
                subject=state.value("subject"),
                body=state.value("body"),
                audience=Audience.PEOPLE,
                group_ids=(),
                preview_as=state.value("preview_as"),
                people=people,
            )
            return await compose_page(request, state, chosen, preview=shown)
        broadcast = await broadcasts.create_broadcast(
            session,
            author=current_user(request),
            subject=state.value("subject"),
            body=state.value("body"),
            audience=Audience.PEOPLE,
            people=people,
            audience_note=chosen.note,
            send_at=parsed.send_at,
            time_zone=parsed.time_zone,
            now=utcnow(),
        )
    except broadcasts.InvalidBroadcast as error:
        state.add_error(error.field, error.message)
        return await compose_page(request, state, chosen, status_code=error.status_code)
    if chosen.saved_id is not None:
        await follow_saved_view(session, broadcast_id=broadcast.id, view_id=chosen.saved_id)
    flash(
        request,
        "Sending now: the counts below fill in as it goes out."
        if parsed.send_at is None
        else "Scheduled. You can cancel it until it goes out.",
    )
    return redirect(request, "broadcasts:detail", broadcast_id=broadcast.id)


routes = [
    Route("/views/{view_id:int}/message", compose_for_view, methods=["GET"], name="message_view"),
    Route("/message", send, methods=["POST"], name="message"),
]
