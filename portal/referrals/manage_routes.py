"""Manage → Referrals (marketers): the point structure, the landing page's offer, lead
qualification (target and free-mail domains, routing rules), the fraud checks, what the guard
of the public forms refused, and the CRM's stage names."""

from dataclasses import asdict
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.clock import utcnow
from portal.forms import FormState
from portal.guard import service as guard
from portal.guard.models import Outcome
from portal.i18n import _, gettext
from portal.people.access import current_user, staff_of_program
from portal.referrals import campaign_routes, forms, import_routes, service
from portal.referrals.models import ATTRIBUTION_MODELS, PIPELINE, Stage
from portal.web import db, flash, redirect, render

CRM_NAME_LENGTH = 100


async def _settings_page(
    request: Request, form: FormState, crm_form: FormState, status_code: int = 200
) -> Response:
    context = {
        "form": form,
        "stages": PIPELINE,
        "crm_form": crm_form,
        "stage_options": [("", _("Choose…")), *((stage.value, stage.label) for stage in Stage)],
        "crm_names": await service.list_stage_names(db(request)),
        "attempts": await guard.attempt_counts(db(request), since=utcnow() - timedelta(days=7)),
        "outcomes": list(Outcome),
        "attribution_models": [(model.value, model.label) for model in ATTRIBUTION_MODELS],
        "friend_stage_options": [
            ("off", _("Never")),
            *(
                (stage.value, _("When it reaches %(stage)s") % {"stage": stage.label})
                for stage in PIPELINE
            ),
        ],
        "recruit_level_options": [("1", _("One level")), ("2", _("Two levels"))],
    }
    return render(request, "referrals/settings.html", context, status_code=status_code)


@staff_of_program
async def edit_settings(request: Request) -> Response:
    current = await service.load_settings(db(request))
    return await _settings_page(request, _current_values(current), FormState())


def _current_values(current: service.ReferralSettings) -> FormState:
    state = FormState(data={k: str(v) for k, v in asdict(current).items()})
    state.data["friend_reward_stage"] = current.friend_reward_stage or "off"
    return state


@staff_of_program
async def save_settings(request: Request) -> Response:
    state, values = forms.settings_form(await request.form())
    if not state.ok:
        return await _settings_page(request, state, FormState(), status_code=422)
    await service.save_settings(db(request), actor=current_user(request), **values)
    flash(request, _("Referral settings saved."))
    return redirect(request, "manage_referrals:settings")


@staff_of_program
async def map_crm_stage(request: Request) -> Response:
    crm_form = FormState.of(await request.form(), "crm_name", "stage")
    crm_form.require("crm_name", message=gettext("Enter the stage's name as your CRM spells it."))
    crm_form.check_length("crm_name", CRM_NAME_LENGTH)
    if crm_form.value("stage") not in set(Stage):
        crm_form.add_error("stage", _("Choose the portal stage it means."))
    if crm_form.ok:
        try:
            await service.add_stage_name(
                db(request),
                actor=current_user(request),
                name=crm_form.value("crm_name"),
                stage=Stage(crm_form.value("stage")),
            )
        except service.StageNameTaken as error:
            crm_form.add_error("crm_name", error.message)
        else:
            flash(
                request,
                _("“%(name)s” now moves referrals.") % {"name": crm_form.value("crm_name")},
            )
            return redirect(request, "manage_referrals:settings")
    current = await service.load_settings(db(request))
    return await _settings_page(request, _current_values(current), crm_form, status_code=422)


@staff_of_program
async def unmap_crm_stage(request: Request) -> Response:
    await service.remove_stage_name(
        db(request), actor=current_user(request), mapping_id=request.path_params["mapping_id"]
    )
    flash(request, _("The CRM stage name is removed."))
    return redirect(request, "manage_referrals:settings")


routes = [
    Route("/", edit_settings, methods=["GET"], name="settings"),
    Route("/", save_settings, methods=["POST"], name="save"),
    *import_routes.routes,
    *campaign_routes.routes,
    Route("/crm-stages", map_crm_stage, methods=["POST"], name="map_crm_stage"),
    Route(
        "/crm-stages/{mapping_id:int}/remove",
        unmap_crm_stage,
        methods=["POST"],
        name="unmap_crm_stage",
    ),
]
