"""The advocate's pages (refer a friend, My referrals with timelines), the public personal
link `/r/<code>` with its landing form, and `/refer`, the same form for a prospect who has the
advocate's personal code instead of the link."""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import links
from portal.db import keep_despite_client_error
from portal.errors import Conflict
from portal.forms import FormState
from portal.guard.models import PublicForm
from portal.guard.web import guard_fields, screen_lookup, screen_post
from portal.i18n import _
from portal.people.access import current_user, public, signed_in, writes
from portal.people.attribution import remember_touch, remembered_touches, touch_from
from portal.people.models import Role, User
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
        "code_page": links.absolute_url("referrals:code_landing"),
        "qr": qr_code(link),
    }
    return render(request, "referrals/list.html", context)


@signed_in
async def brought_in(request: Request) -> Response:
    """People I brought in: the advocate's invitation link and each recruit's progress."""
    user = current_user(request)
    context = {
        "invite_link": (
            links.absolute_url("auth:invited_by", code=user.personal_code)
            if user.personal_code
            else ""
        ),
        "recruits": await service.people_brought_in(db(request), user),
        "config": await service.load_settings(db(request)),
    }
    return render(request, "referrals/brought_in.html", context)


async def _campaign_options(request: Request) -> list[tuple[str, str]]:
    """The running campaigns an advocate may credit their own referral to."""
    running = await service.list_running_campaigns(db(request))
    if not running:
        return []
    return [("", _("None")), *((str(campaign.id), campaign.name) for campaign in running)]


@signed_in
async def new_referral(request: Request) -> Response:
    context = {"form": FormState(), "campaign_options": await _campaign_options(request)}
    return render(request, "referrals/new.html", context)


async def _new_referral_page(request: Request, state: FormState, status_code: int) -> Response:
    return render(
        request,
        "referrals/new.html",
        {"form": state, "campaign_options": await _campaign_options(request)},
        partial="referrals/_form.html",
        status_code=status_code,
    )


async def _chosen_campaign(request: Request, state: FormState) -> Campaign | None:
    """The running campaign picked on the form; one that ended meanwhile is a form error."""
    campaign_id = state.number("campaign", minimum=1, optional=True)
    if campaign_id is None:
        return None
    campaign = await service.running_campaign_by_id(db(request), campaign_id)
    if campaign is None:
        state.add_error("campaign", _("That campaign is no longer running: choose another."))
    return campaign


@signed_in
async def submit_referral(request: Request) -> Response:
    """An advocate's own referral; a sales rep (or admin) may instead enter the advocate's
    personal code, for a referral that came by phone or at an event: it is the advocate's."""
    user = current_user(request)
    data = await request.form()
    state = forms.prospect_form(data)
    on_behalf = user.has_role(Role.SALES, Role.ADMIN)
    code = forms.code_field(data, state, required=False) if on_behalf else ""
    state.data["campaign"] = state.take(data, "campaign")
    campaign = await _chosen_campaign(request, state)
    if not state.ok:
        return await _new_referral_page(request, state, 422)
    referrer = user
    if code:
        try:
            referrer = await service.access_advocate_for_personal_code(db(request), code)
        except service.UnknownPersonalCode as error:
            state.add_error("code", error.message)
            return await _new_referral_page(request, state, error.status_code)
    try:
        referral = await service.submit_referral(
            db(request),
            referrer=referrer,
            prospect=_prospect(state),
            note=state.value("note"),
            source=Source.CODE if code else Source.FORM,
            origin=service.Origin(campaign=campaign),
        )
    except (service.DuplicateReferral, service.SelfReferral, service.DisposableAddress) as error:
        state.add_error("email", error.message)
        return await _new_referral_page(
            request, state, 422 if isinstance(error, service.DisposableAddress) else 409
        )
    if code:
        flash(
            request,
            _("Referral of %(name)s added for %(advocate)s.")
            % {"name": referral.prospect_name, "advocate": referrer.display_name},
        )
        return redirect(request, "pipeline:detail", referral_id=referral.id)
    earned = points.earned_by(db(request), user)
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
        "ask_code": False,
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
    return await _submit_public(
        request, context, state, advocate, source=Source.LINK, origin=credit.origin
    )


async def _submit_public(
    request: Request,
    context: dict[str, Any],
    state: FormState,
    advocate: User,
    *,
    source: Source,
    origin: service.Origin | None = None,
) -> Response:
    try:
        await service.submit_referral(
            db(request),
            referrer=advocate,
            prospect=_prospect(state),
            note=state.value("note"),
            source=source,
            client_key=client_key(request),
            origin=origin or service.Origin(),
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


def _code_context(request: Request, form: FormState, advocate: User | None) -> dict[str, Any]:
    return {
        "advocate": advocate,
        "campaign": None,
        "ask_code": True,
        "form": form,
        "done": False,
        "guard": guard_fields(request),
        "action": request.url_for("referrals:code_landing_submit").path,
    }


def _code_page(request: Request, form: FormState, status_code: int = 200) -> Response:
    return _landing_page(request, _code_context(request, form, None), status_code)


@public
async def code_landing(request: Request) -> Response:
    return _code_page(request, FormState())


@public
async def code_landing_submit(request: Request) -> Response:
    """The landing form for a prospect who was given an advocate's personal code, not the
    link: the referral is that advocate's. Each code looked up counts toward a throttle, so
    codes cannot be found by trying many."""
    data = await request.form()
    state = forms.prospect_form(data)
    code = forms.code_field(data, state, required=True)
    verdict = await screen_post(request, data, form=PublicForm.LANDING)
    if verdict.looks_accepted:
        return _landing_page(request, {"done": True, "advocate": None, "ask_code": True})
    if not verdict.goes_on:
        state.add_error(None, verdict.message)
        return _code_page(request, state, verdict.status_code)
    if not state.ok:
        return _code_page(request, state, 422)
    lookup = await screen_lookup(request, form=PublicForm.CODE_LOOKUP)
    if not lookup.goes_on:
        state.add_error("code", lookup.message)
        return _code_page(request, state, lookup.status_code)
    try:
        advocate = await service.access_advocate_for_personal_code(db(request), code)
    except service.UnknownPersonalCode as error:
        keep_despite_client_error(db(request))  # a wrong guess counts toward the throttle
        state.add_error("code", error.message)
        return _code_page(request, state, error.status_code)
    context = _code_context(request, state, advocate)
    return await _submit_public(request, context, state, advocate, source=Source.CODE)


routes = [
    Route("/", my_referrals, methods=["GET"], name="list"),
    Route("/brought-in", brought_in, methods=["GET"], name="brought_in"),
    Route("/new", new_referral, methods=["GET"], name="new"),
    Route("/new", submit_referral, methods=["POST"], name="submit"),
    Route("/{referral_id:int}", referral_detail, methods=["GET"], name="detail"),
]

# Top-level routes named inside the `referrals:` namespace, so `url_for("referrals:landing",
# code=...)` works for the content library's share pages too.
link_routes = [
    Route("/refer", code_landing, methods=["GET"], name="referrals:code_landing"),
    Route("/refer", code_landing_submit, methods=["POST"], name="referrals:code_landing_submit"),
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
