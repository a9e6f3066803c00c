"""Manage → Pending points: the awards that wait for a person (flagged referrals, earn caps), each
released or cancelled with a reason; and the rules that make points wait (clearance windows per
source, earn caps per day and week)."""

from dataclasses import asdict

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import i18n
from portal.errors import PortalError
from portal.forms import FormState
from portal.i18n import N_, _, gettext
from portal.people.access import current_user, staff_of_program
from portal.points import service
from portal.points.service.rules import (
    CAPPED,
    MAX_CAP,
    MAX_DAYS,
    MAX_EXPIRY_MONTHS,
    MAX_FREEZE_WEEKS,
    Earning,
    number_fields,
)
from portal.web import db, flash, redirect, redirect_to, render, safe_next


@staff_of_program
async def queue(request: Request) -> Response:
    items = await service.review_queue(db(request))
    return render(request, "points/pending.html", {"items": items})


async def _back(request: Request) -> Response:
    """To the page the button was on (the person's points page), else the review list."""
    target = safe_next(str((await request.form()).get("next", "")), default="")
    return redirect_to(request, target) if target else redirect(request, "pending_points:queue")


@staff_of_program
async def release(request: Request) -> Response:
    try:
        entry = await service.release_pending(
            db(request),
            request.path_params["entry_id"],
            reason="Released by a member of the program team",  # the audit log, in English
            actor=current_user(request),
        )
    except PortalError as error:
        flash(request, error.message, "error")
    else:
        flash(
            request,
            _("%(points)s points released: the advocate can spend them now.")
            % {"points": f"{entry.delta:+,}"},
        )
    return await _back(request)


@staff_of_program
async def cancel(request: Request) -> Response:
    form = await request.form()
    reason = str(form.get("reason", "")).strip()[:200]
    try:
        if not reason:
            raise PortalError(N_("Say why the points are cancelled: the advocate reads it."))
        await service.cancel_pending(
            db(request), request.path_params["entry_id"], reason=reason, actor=current_user(request)
        )
    except PortalError as error:
        flash(request, error.message, "error")
    else:
        flash(request, _("Pending points cancelled."))
    return await _back(request)


async def _rules_page(request: Request, state: FormState, *, status_code: int = 200) -> Response:
    context = {
        "form": state,
        "earnings": list(Earning),
        "capped": CAPPED,
        "expiry_start": (await service.load_rules(db(request))).expiry_start,
    }
    return render(request, "points/rules.html", context, status_code=status_code)


@staff_of_program
async def edit_rules(request: Request) -> Response:
    rules = await service.load_rules(db(request))
    state = FormState(data={name: str(value) for name, value in asdict(rules).items()})
    return await _rules_page(request, state)


@staff_of_program
async def save_rules(request: Request) -> Response:
    names = number_fields()
    state = FormState.of(await request.form(), *names)
    values: dict[str, int] = {}
    for name in names:
        if not state.value(name):
            state.data[name] = "0"
        low, top = _bounds(name)
        number = state.number(
            name,
            minimum=low,
            maximum=top,
            message=gettext("Enter a whole number from %(low)s to %(top)s.")
            % {"low": i18n.number(low), "top": i18n.number(top)},
        )
        if number is not None:
            values[name] = number
    if not state.ok:
        return await _rules_page(request, state, status_code=422)
    await service.save_rules(db(request), actor=current_user(request), **values)
    flash(request, _("Points rules saved. They apply to points awarded from now on."))
    return redirect(request, "pending_points:rules")


def _bounds(name: str) -> tuple[int, int]:
    if name == "streak_freeze_weeks":
        return 1, MAX_FREEZE_WEEKS
    if name == "expire_after_months":
        return 0, MAX_EXPIRY_MONTHS
    return 0, MAX_DAYS if name.startswith("clear_") else MAX_CAP


routes = [
    Route("/", queue, methods=["GET"], name="queue"),
    Route("/{entry_id:int}/release", release, methods=["POST"], name="release"),
    Route("/{entry_id:int}/cancel", cancel, methods=["POST"], name="cancel"),
    Route("/rules", edit_rules, methods=["GET"], name="rules"),
    Route("/rules", save_rules, methods=["POST"], name="save_rules"),
]
