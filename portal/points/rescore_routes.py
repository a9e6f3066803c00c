"""Manage → Levels & badges → a level's "Preview the effect": the what-if replay of the last N days
under the level as typed, then applying it from now on or also to past events (a run with its
progress page)."""

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.errors import NotFound
from portal.forms import FormState
from portal.i18n import _
from portal.people.access import current_user, staff_of_program
from portal.points import forms, service
from portal.points.manage_routes import levels_page, save_level
from portal.points.service import rescore
from portal.points.service.levels import multiplier_text
from portal.points.service.rescore import ProposedLevel
from portal.web import db, flash, redirect, render


def _days(form: FormData, state: FormState) -> int:
    state.data["days"] = str(form.get("days", "") or rescore.DEFAULT_DAYS).strip()
    days = state.number(
        "days",
        minimum=1,
        maximum=rescore.MAX_DAYS,
        message=_("Enter a number of days from 1 to %(top)s.") % {"top": rescore.MAX_DAYS},
    )
    return days or rescore.DEFAULT_DAYS


async def _proposal(request: Request, values: forms.LevelValues) -> list[ProposedLevel]:
    level_id = request.path_params["level_id"]
    levels = await service.list_levels(db(request))
    if all(level.id != level_id for level in levels):
        raise NotFound()
    typed = ProposedLevel(
        level_id,
        values.name,
        values.min_points,
        values.multiplier_percent,
        frozenset(earning.value for earning in values.multiplies),
    )
    return [typed if level.id == level_id else ProposedLevel.of(level) for level in levels]


@staff_of_program
async def preview(request: Request) -> Response:
    form = await request.form()
    state, values = forms.level_form(form)
    days = _days(form, state)
    level_id = request.path_params["level_id"]
    if values is None or not state.ok:
        return await levels_page(request, edited=(level_id, state), status_code=422)
    levels = await _proposal(request, values)
    context = {
        "level_id": level_id,
        "form": state,
        "days": days,
        "values": values,
        "earnings": list(service.Earning),
        "what_if": await rescore.what_if(db(request), levels, days=days),
    }
    return render(request, "points/rescore_preview.html", context)


@staff_of_program
async def apply(request: Request) -> Response:
    form = await request.form()
    state, values = forms.level_form(form)
    days = _days(form, state)
    level_id = request.path_params["level_id"]
    if values is None or not state.ok:
        return await levels_page(request, edited=(level_id, state), status_code=422)
    try:
        level = await save_level(request, level_id, values)
    except service.InvalidLevel as error:
        state.add_error(None, error.message)
        return await levels_page(request, edited=(level_id, state), status_code=422)
    if form.get("when") != "past":
        flash(request, _("Level %(level)s saved: it counts from now on.") % {"level": level.name})
        return redirect(request, "manage_points:index")
    levels = [ProposedLevel.of(saved) for saved in await service.list_levels(db(request))]
    summary = f"{level.name} from {level.min_points:,} points, {multiplier_text(level) or 'x1'}"
    run = await rescore.start_run(
        db(request), levels, actor=current_user(request), days=days, summary=summary
    )
    return redirect(request, "manage_points:rescore_run", run_id=run.id)


@staff_of_program
async def run_page(request: Request) -> Response:
    run = await rescore.access_run(db(request), request.path_params["run_id"])
    return render(
        request, "points/rescore_run.html", {"run": run}, partial="points/_rescore_progress.html"
    )


routes = [
    Route("/levels/{level_id:int}/preview", preview, methods=["POST"], name="preview_level"),
    Route("/levels/{level_id:int}/apply", apply, methods=["POST"], name="apply_level"),
    Route("/rescores/{run_id:int}", run_page, methods=["GET"], name="rescore_run"),
]
