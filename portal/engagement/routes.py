"""Manage → Sequences: the onboarding and re-engagement steps, retimed, switched off, reworded,
and new ones added."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.engagement import forms, sequences
from portal.engagement.models import Sequence, SequenceStep
from portal.errors import NotFound
from portal.forms import FormState, query_text
from portal.i18n import gettext
from portal.outbox.kinds import KINDS
from portal.people.access import current_user, staff_of_program
from portal.web import db, flash, redirect, render


@staff_of_program
async def index(request: Request) -> Response:
    context = {
        "sequences": [
            (sequence, await sequences.steps_of(db(request), sequence)) for sequence in Sequence
        ],
        "label_of": sequences.label_of,
        "written": sequences.WRITTEN,
    }
    return render(request, "engagement/sequences.html", context)


def _sequence(request: Request) -> Sequence:
    try:
        return Sequence(query_text(request.query_params, "sequence", max_length=20))
    except ValueError:
        raise NotFound() from None


async def _step_page(
    request: Request,
    form: FormState,
    *,
    sequence: Sequence,
    step: SequenceStep | None,
    status_code: int = 200,
) -> Response:
    written = step is None or step.email_kind == sequences.WRITTEN
    context = {
        "form": form,
        "sequence": sequence,
        "step": step,
        "written": written,
        "kind": None if written or step is None else KINDS[step.email_kind],
    }
    return render(request, "engagement/step.html", context, status_code=status_code)


@staff_of_program
async def new_step(request: Request) -> Response:
    form = FormState(data={"is_enabled": "on"})
    return await _step_page(request, form, sequence=_sequence(request), step=None)


@staff_of_program
async def create_step(request: Request) -> Response:
    sequence = _sequence(request)
    state, days = forms.step_form(await request.form(), written=True)
    if not state.ok or days is None:
        return await _step_page(request, state, sequence=sequence, step=None, status_code=422)
    try:
        await sequences.add_step(
            db(request),
            staff=current_user(request),
            sequence=sequence,
            days=days,
            subject=state.value("subject"),
            body=state.value("body"),
            only_if_quiet=bool(state.value("only_if_quiet")),
        )
    except sequences.InvalidStep as error:
        state.add_error(error.field, error.message)
        return await _step_page(request, state, sequence=sequence, step=None, status_code=422)
    flash(request, gettext("%(label)s step added.") % {"label": gettext(sequence.label)})
    return redirect(request, "sequences:index")


@staff_of_program
async def edit_step(request: Request) -> Response:
    step = await sequences.access_step(db(request), request.path_params["step_id"])
    form = FormState(
        data={
            "days": str(step.days),
            "is_enabled": "on" if step.is_enabled else "",
            "only_if_quiet": "on" if step.only_if_quiet else "",
            "subject": step.subject,
            "body": step.body_html,
        }
    )
    return await _step_page(request, form, sequence=Sequence(step.sequence), step=step)


@staff_of_program
async def update_step(request: Request) -> Response:
    step = await sequences.access_step(db(request), request.path_params["step_id"])
    sequence = Sequence(step.sequence)
    written = step.email_kind == sequences.WRITTEN
    state, days = forms.step_form(await request.form(), written=written)
    if not state.ok or days is None:
        return await _step_page(request, state, sequence=sequence, step=step, status_code=422)
    try:
        await sequences.update_step(
            db(request),
            staff=current_user(request),
            step_id=step.id,
            days=days,
            is_enabled=bool(state.value("is_enabled")),
            subject=state.value("subject"),
            body=state.value("body"),
            only_if_quiet=bool(state.value("only_if_quiet")),
        )
    except sequences.InvalidStep as error:
        state.add_error(error.field, error.message)
        return await _step_page(request, state, sequence=sequence, step=step, status_code=422)
    flash(request, gettext("%(label)s step saved.") % {"label": gettext(sequence.label)})
    return redirect(request, "sequences:index")


routes = [
    Route("/", index, methods=["GET"], name="index"),
    Route("/new", new_step, methods=["GET"], name="new"),
    Route("/new", create_step, methods=["POST"], name="create"),
    Route("/{step_id:int}", edit_step, methods=["GET"], name="edit"),
    Route("/{step_id:int}", update_step, methods=["POST"], name="update"),
]
