"""Manage → Event types (marketers): the kinds of advocacy other systems report through the
events API, with their points and the challenge each completes."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.advocacy import service
from portal.advocacy.models import EventType
from portal.challenges import service as challenges
from portal.forms import FormState
from portal.i18n import gettext, number
from portal.people.access import current_user, staff_of_program
from portal.web import db, flash, redirect, render


async def _page(
    request: Request, form: FormState, types: list[EventType], status_code: int = 200
) -> Response:
    options = [("", "None")] + [
        (str(challenge.id), challenge.title)
        for challenge, _ in await challenges.list_for_staff(db(request))
    ]
    return render(
        request,
        "advocacy/event_types.html",
        {"form": form, "types": types, "challenge_options": options},
        status_code=status_code,
    )


@staff_of_program
async def list_event_types(request: Request) -> Response:
    form = FormState(data={"points": "0"})
    return await _page(request, form, await service.list_event_types(db(request)))


@staff_of_program
async def create_event_type(request: Request) -> Response:
    form = FormState.of(await request.form(), "key", "name", "points", "challenge_id")
    form.require("key", "name")
    if form.value("key") and not service.KEY_PATTERN.fullmatch(form.value("key")):
        form.add_error(
            "key",
            gettext(
                "Use 2 to 60 lower-case letters, digits and underscores, starting with a letter."
            ),
        )
    form.check_length("name", 120)
    points = form.number(
        "points",
        minimum=0,
        maximum=service.MAX_POINTS,
        message=gettext("Enter a whole number from 0 to %(max)s.")
        % {"max": number(service.MAX_POINTS)},
    )
    challenge_id = None
    if form.value("challenge_id"):
        challenge_id = form.number("challenge_id", minimum=1, maximum=2_147_483_647)
    types = await service.list_event_types(db(request))
    if form.ok and points is not None:
        try:
            await service.create_event_type(
                db(request),
                actor=current_user(request),
                key=form.value("key"),
                name=form.value("name"),
                points=points,
                challenge_id=challenge_id,
            )
        except service.EventTypeKeyTaken as error:
            form.add_error("key", error.message)
        else:
            flash(
                request,
                gettext("Event type “%(key)s” is ready for the API.") % {"key": form.value("key")},
            )
            return redirect(request, "event_types:list")
    return await _page(request, form, types, status_code=422)


@staff_of_program
async def toggle_event_type(request: Request) -> Response:
    form = await request.form()
    event_type = await service.set_event_type_active(
        db(request),
        actor=current_user(request),
        event_type_id=request.path_params["event_type_id"],
        active=form.get("active") == "on",
    )
    flash(request, f"“{event_type.key}” is {'on' if event_type.active else 'off'}.")
    return redirect(request, "event_types:list")


routes = [
    Route("/", list_event_types, methods=["GET"], name="list"),
    Route("/", create_event_type, methods=["POST"], name="create"),
    Route("/{event_type_id:int}/active", toggle_event_type, methods=["POST"], name="toggle"),
]
