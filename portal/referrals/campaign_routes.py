"""Manage → Referrals → Campaigns (marketers): the campaigns advocates' links can carry, with
what each brought (won deal values too, and per advocate), a form for a new one, a page to
change one, and the archive."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.forms import FormState
from portal.i18n import _
from portal.people.access import current_user, staff_of_program
from portal.referrals import forms, service
from portal.referrals.models import PIPELINE, Campaign
from portal.web import db, flash, redirect, render


def _filled(campaign: Campaign) -> FormState:
    data = {
        "name": campaign.name,
        "starts_on": campaign.starts_on.isoformat(),
        "ends_on": campaign.ends_on.isoformat() if campaign.ends_on else "",
        "questions": campaign.questions,
    }
    for stage in PIPELINE:
        bonus = campaign.bonus_for(stage)
        data[f"bonus_{stage.value}"] = str(bonus) if bonus else ""
    return FormState(data=data)


async def _list_page(request: Request, form: FormState, status_code: int = 200) -> Response:
    rows = await service.list_campaigns(db(request))
    context = {
        "rows": [row for row in rows if row.campaign.archived_at is None],
        "archived": [row for row in rows if row.campaign.archived_at is not None],
        "revenue": await service.revenue_by_advocate(db(request)),
        "form": form,
        "stages": PIPELINE,
    }
    return render(request, "referrals/campaigns.html", context, status_code=status_code)


@staff_of_program
async def list_campaigns(request: Request) -> Response:
    return await _list_page(request, FormState())


@staff_of_program
async def create_campaign(request: Request) -> Response:
    state, plan = forms.campaign_form(await request.form())
    if plan is not None:
        try:
            campaign = await service.create_campaign(
                db(request), actor=current_user(request), plan=plan
            )
        except service.CampaignNameTaken as error:
            state.add_error("name", error.message)
        else:
            flash(request, _("The campaign “%(name)s” is saved.") % {"name": campaign.name})
            return redirect(request, "manage_referrals:campaigns")
    return await _list_page(request, state, status_code=422)


def _edit_page(
    request: Request, campaign: Campaign, form: FormState, status_code: int = 200
) -> Response:
    context = {"campaign": campaign, "form": form, "stages": PIPELINE}
    return render(request, "referrals/campaign_edit.html", context, status_code=status_code)


@staff_of_program
async def edit_campaign(request: Request) -> Response:
    campaign = await service.access_campaign(db(request), request.path_params["campaign_id"])
    return _edit_page(request, campaign, _filled(campaign))


@staff_of_program
async def save_campaign(request: Request) -> Response:
    campaign = await service.access_campaign(db(request), request.path_params["campaign_id"])
    state, plan = forms.campaign_form(await request.form())
    if plan is not None:
        try:
            await service.update_campaign(
                db(request), actor=current_user(request), campaign_id=campaign.id, plan=plan
            )
        except service.CampaignNameTaken as error:
            state.add_error("name", error.message)
        else:
            flash(request, _("The campaign “%(name)s” is saved.") % {"name": campaign.name})
            return redirect(request, "manage_referrals:campaigns")
    return _edit_page(request, campaign, state, status_code=422)


@staff_of_program
async def archive_campaign(request: Request) -> Response:
    archived = (await request.form()).get("archived") != "no"
    campaign = await service.archive_campaign(
        db(request),
        actor=current_user(request),
        campaign_id=request.path_params["campaign_id"],
        archived=archived,
    )
    message = (
        _("The campaign “%(name)s” is archived: its links no longer carry it.")
        if archived
        else _("The campaign “%(name)s” is back.")
    )
    flash(request, message % {"name": campaign.name})
    return redirect(request, "manage_referrals:campaigns")


routes = [
    Route("/campaigns", list_campaigns, methods=["GET"], name="campaigns"),
    Route("/campaigns", create_campaign, methods=["POST"], name="create_campaign"),
    Route("/campaigns/{campaign_id:int}", edit_campaign, methods=["GET"], name="campaign"),
    Route("/campaigns/{campaign_id:int}", save_campaign, methods=["POST"], name="save_campaign"),
    Route(
        "/campaigns/{campaign_id:int}/archive",
        archive_campaign,
        methods=["POST"],
        name="archive_campaign",
    ),
]
