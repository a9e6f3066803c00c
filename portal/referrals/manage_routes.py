"""Manage → Referrals (marketers): the point structure, the landing page's offer, and lead
qualification (target and free-mail domains, routing rules)."""

from dataclasses import asdict

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.forms import FormState
from portal.people.access import current_user, staff_of_program
from portal.referrals import forms, import_routes, service
from portal.referrals.models import PIPELINE
from portal.web import db, flash, redirect, render


@staff_of_program
async def edit_settings(request: Request) -> Response:
    current = await service.load_settings(db(request))
    state = FormState(data={k: str(v) for k, v in asdict(current).items()})
    return render(request, "referrals/settings.html", {"form": state, "stages": PIPELINE})


@staff_of_program
async def save_settings(request: Request) -> Response:
    state, values = forms.settings_form(await request.form())
    if not state.ok:
        return render(
            request,
            "referrals/settings.html",
            {"form": state, "stages": PIPELINE},
            status_code=422,
        )
    await service.save_settings(db(request), actor=current_user(request), **values)
    flash(request, "Referral settings saved.")
    return redirect(request, "manage_referrals:settings")


routes = [
    Route("/", edit_settings, methods=["GET"], name="settings"),
    Route("/", save_settings, methods=["POST"], name="save"),
    *import_routes.routes,
]
