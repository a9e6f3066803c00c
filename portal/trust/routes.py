"""Manage → Settings → Trust and fulfilment (admins): the scores from which entries and code
rewards skip review, the score under which everything waits for a person, and the low code
pool alert."""

from dataclasses import asdict, fields

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.forms import FormState
from portal.i18n import gettext
from portal.people.access import current_user, requires
from portal.people.models import Role
from portal.trust import service
from portal.trust.service import TrustSettings
from portal.web import db, flash, redirect, render

MAX_SCORE = 100
MAX_POINTS = 10_000_000
MAX_CODES = 100_000
BOUNDS = {  # setting → (largest value, what to enter)
    "auto_approve_from": (MAX_SCORE, "Enter a score from 0 to 100 (0 turns it off)."),
    "auto_fulfil_from": (MAX_SCORE, "Enter a score from 0 to 100 (0 turns it off)."),
    "auto_fulfil_max_points": (MAX_POINTS, f"Enter a whole number up to {MAX_POINTS:,}."),
    "clear_early_from": (MAX_SCORE, "Enter a score from 0 to 100 (0 turns it off)."),
    "review_below": (MAX_SCORE, "Enter a score from 0 to 100 (0 turns it off)."),
    "low_code_pool": (MAX_CODES, f"Enter a number of codes up to {MAX_CODES:,} (0: no alert)."),
}
NAMES = [f.name for f in fields(TrustSettings)]


@requires(Role.ADMIN)
async def edit_settings(request: Request) -> Response:
    current = await service.load_settings(db(request))
    state = FormState(data={name: str(value) for name, value in asdict(current).items()})
    return render(request, "trust/settings.html", {"form": state})


@requires(Role.ADMIN)
async def save_settings(request: Request) -> Response:
    state = FormState.of(await request.form(), *NAMES)
    values = {
        name: state.number(name, minimum=0, maximum=BOUNDS[name][0], message=BOUNDS[name][1])
        for name in NAMES
    }
    if not state.ok:
        return render(request, "trust/settings.html", {"form": state}, status_code=422)
    await service.save_settings(
        db(request),
        actor=current_user(request),
        **{name: value for name, value in values.items() if value is not None},
    )
    flash(request, gettext("Trust and fulfilment settings saved."))
    return redirect(request, "trust:settings")


routes = [
    Route("/", edit_settings, methods=["GET"], name="settings"),
    Route("/", save_settings, methods=["POST"], name="save"),
]
