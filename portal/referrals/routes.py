"""The advocate's pages (refer a friend, My referrals with timelines) and the public personal
link `/r/<code>` with its landing form."""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import links
from portal.errors import Conflict
from portal.forms import FormState
from portal.guard.models import PublicForm
from portal.guard.web import guard_fields, screen_post
from portal.i18n import _
from portal.people.access import current_user, public, signed_in, writes
from portal.people.attribution import remember_touch, remembered_touches, touch_from
from portal.people.models import User
from portal.points import service as points
from portal.qr import qr_code
from portal.referrals import forms, service
from portal.referrals.models import Campaign, Source
from portal.web import client_key, db, flash, redirect, render


def _prospect(state: FormState) -> service.Prospect:
    return service.Prospect(
        name=state.value("name"),
        email=state.value("email"),
        company=state.value("company"),
        job_title=state.value("job_title"),
        phone=state.value("phone"),
    )


@signed_in
async def my_referrals(request: Request) -> Response:
    user = current_user(request)
    link = links.absolute_url("referrals:landing", code=user.referral_code)
    referrals = await service.list_own_referrals(db(request), user)
    context = {
        "referrals": referrals,
        "point_standings": await service.point_standings(db(request), referrals),
        "stats": await service.link_stats(db(request), user),
        "window_days": (await service.load_settings(db(request))).attribution_window_days,
        "campaign_links": [
            (
                campaign,
                links.absolute_url(
                    "referrals:campaign_landing", code=user.referral_code, campaign=campaign.slug
                ),
            )
            for campaign in await service.list_running_campaigns(db(request))
        ],
        "share_link": link,
        "qr": qr_code(link),
    }
    return render(request, "referrals/list.html", context)


@signed_in
async def new_referral(request: Request) -> Response:
    return render(request, "referrals/new.html", {"form": FormState()})


@signed_in
async def submit_referral(request: Request) -> Response:
    state = forms.prospect_form(await request.form())
    if not state.ok:
        return render(
            request,
            "referrals/new.html",
            {"form": state},
            partial="referrals/_form.html",
            status_code=422,
        )
    try:
        referral = await service.submit_referral(
            db(request),
            referrer=current_user(request),
            prospect=_prospect(state),
            note=state.value("note"),
            source=Source.FORM,
        )
    except (service.DuplicateReferral, service.SelfReferral, service.DisposableAddress) as error:
        state.add_error("email", error.message)
        return render(
            request,
            "referrals/new.html",
            {"form": state},
            partial="referrals/_form.html",
            status_code=422 if isinstance(error, service.DisposableAddress) else 409,
        )
    earned = points.earned_by(db(request), current_user(request))
    thanks = _("Thank you for referring %(name)s!") % {"name": referral.prospect_name}
    flash(request, f"{thanks} {earned.message}".strip())
    return redirect(request, "referrals:detail", referral_id=referral.id)


@signed_in
async def referral_detail(request: Request) -> Response:
    referral = await service.access_own_referral(
        db(request), current_user(request), request.path_params["referral_id"]
    )
    context = {
        "referral": referral,
        "origin": await service.load_origin(db(request), referral.id),
        "point_standings": await service.point_standings(db(request), [referral]),
    }
    return render(request, "referrals/detail.html", context)


def _landing_page(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    return render(
        request,
        "referrals/landing.html",
        context,
        partial="referrals/_landing_form.html",
        status_code=status_code,
    )


async def _landing_context(
    request: Request, advocate: User, campaign: Campaign | None, form: FormState
) -> dict[str, Any]:
    # The form posts back to the address it was opened at, so the campaign and the UTM tags
    # come along even when the browser keeps no cookies.
    query = f"?{request.url.query}" if request.url.query else ""
    return {
        "advocate": advocate,
        "campaign": campaign,
        "offer": (await service.load_settings(db(request))).offer_text,
        "form": form,
        "done": False,
        "guard": guard_fields(request),
        "action": request.url.path + query,
    }


async def _linked_campaign(request: Request) -> Campaign | None:
    slug = request.path_params.get("campaign", "")
    return await service.running_campaign(db(request), slug) if slug else None


@public
@writes
async def landing(request: Request) -> Response:
    advocate = await service.access_advocate_for_code(db(request), request.path_params["code"])
    campaign = await _linked_campaign(request)
    viewer = request.state.user
    is_visitor = viewer is None or viewer.id != advocate.id
    if is_visitor:
        await service.record_click(
            db(request),
            advocate=advocate,
            client_key=client_key(request),
            campaign_id=campaign.id if campaign else None,
        )
    context = await _landing_context(request, advocate, campaign, FormState())
    response = _landing_page(request, context)
    if is_visitor:
        touch = touch_from(request, advocate.referral_code, campaign.slug if campaign else "")
        remember_touch(request, response, touch)
    return response


@public
async def landing_submit(request: Request) -> Response:
    """The prospect's own details. The referral goes to the advocate the attribution model picks
    among the visits the browser remembers (through links and shared content pages), else to
    the link's owner; it keeps where the credited visit came from."""
    session = db(request)
    owner = await service.access_advocate_for_code(session, request.path_params["code"])
    campaign = await _linked_campaign(request)
    data = await request.form()
    state = forms.prospect_form(data)
    answers = forms.answers_form(data, state, campaign.question_list if campaign else [])
    credit = await service.credit_referral(
        session,
        touches=remembered_touches(request),
        page_advocate=owner,
        page_touch=touch_from(request, owner.referral_code, campaign.slug if campaign else ""),
        answers=answers,
    )
    advocate = credit.advocate
    context = await _landing_context(request, advocate, campaign, state)
    verdict = await screen_post(request, data, form=PublicForm.LANDING, subject_id=advocate.id)
    if verdict.looks_accepted:
        context["done"] = True
        return _landing_page(request, context)
    if not verdict.goes_on:
        state.add_error(None, verdict.message)
        return _landing_page(request, context, status_code=verdict.status_code)
    if not state.ok:
        return _landing_page(request, context, status_code=422)
    try:
        await service.submit_referral(
            session,
            referrer=advocate,
            prospect=_prospect(state),
            note=state.value("note"),
            source=Source.LINK,
            client_key=client_key(request),
            origin=credit.origin,
        )
    except service.DisposableAddress as error:
        state.add_error("email", error.message)
        return _landing_page(request, context, status_code=error.status_code)
    except Conflict:
        # The same answer for "already referred" and "already a member": a public page does
        # not tell strangers which addresses we know.
        state.add_error(
            None,
            "We already have these details, so there is nothing more to do: we'll be in touch.",
        )
        return _landing_page(request, context, status_code=409)
    context["done"] = True
    return _landing_page(request, context)


routes = [
    Route("/", my_referrals, methods=["GET"], name="list"),
    Route("/new", new_referral, methods=["GET"], name="new"),
    Route("/new", submit_referral, methods=["POST"], name="submit"),
    Route("/{referral_id:int}", referral_detail, methods=["GET"], name="detail"),
]

# Top-level routes named inside the `referrals:` namespace, so `url_for("referrals:landing",
# code=...)` works for the content library's share pages too.
link_routes = [
    Route("/r/{code}", landing, methods=["GET"], name="referrals:landing"),
    Route("/r/{code}", landing_submit, methods=["POST"], name="referrals:landing_submit"),
    Route("/r/{code}/{campaign}", landing, methods=["GET"], name="referrals:campaign_landing"),
    Route(
        "/r/{code}/{campaign}",
        landing_submit,
        methods=["POST"],
        name="referrals:campaign_landing_submit",
    ),
]
