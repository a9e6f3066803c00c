"""Manage → Referrals (marketers): the point structure, the landing page's offer, and lead
qualification (target and free-mail domains, routing rules), the fraud checks, and what the
guard of the public forms refused."""

from dataclasses import asdict
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.clock import utcnow
from portal.forms import FormState
from portal.guard import service as guard
from portal.guard.models import Outcome
from portal.people.access import current_user, staff_of_program
from portal.referrals import forms, import_routes, service
from portal.referrals.models import PIPELINE
from portal.web import db, flash, redirect, render


async def _settings_page(request: Request, state: FormState, *, status_code: int = 200) -> Response:
    context = {
        "form": state,
        "stages": PIPELINE,
        "attempts": await guard.attempt_counts(db(request), since=utcnow() - timedelta(days=7)),
        "outcomes": list(Outcome),
    }
    return render(request, "referrals/settings.html", context, status_code=status_code)


@staff_of_program
async def edit_settings(request: Request) -> Response:
    current = await service.load_settings(db(request))
    return await _settings_page(
        request, FormState(data={k: str(v) for k, v in asdict(current).items()})
    )


@staff_of_program
async def save_settings(request: Request) -> Response:
    state, values = forms.settings_form(await request.form())
    if not state.ok:
        return await _settings_page(request, state, status_code=422)
    await service.save_settings(db(request), actor=current_user(request), **values)
    flash(request, "Referral settings saved.")
    return redirect(request, "manage_referrals:settings")


routes = [
    Route("/", edit_settings, methods=["GET"], name="settings"),
    Route("/", save_settings, methods=["POST"], name="save"),
    *import_routes.routes,
]
