"""The advocate's pages (refer a friend, My referrals with timelines) and the public personal
link `/r/<code>` with its landing form."""

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
from portal.people.attribution import remember_referral_code, remembered_referral_code
from portal.points import service as points
from portal.qr import qr_code
from portal.referrals import forms, service
from portal.referrals.models import Source
from portal.web import client_key, db, flash, redirect, render

# Shared with the content library's share pages: the same name, value and lifetime.


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
        "point_standings": await service.point_standings(db(request), [referral]),
    }
    return render(request, "referrals/detail.html", context)


@public
@writes
async def landing(request: Request) -> Response:
    advocate = await service.access_advocate_for_code(db(request), request.path_params["code"])
    viewer = request.state.user
    if viewer is None or viewer.id != advocate.id:
        await service.record_click(db(request), advocate=advocate, client_key=client_key(request))
    context = {
        "advocate": advocate,
        "offer": (await service.load_settings(db(request))).offer_text,
        "form": FormState(),
        "done": False,
        "guard": guard_fields(request),
    }
    response = render(
        request, "referrals/landing.html", context, partial="referrals/_landing_form.html"
    )
    return remember_referral_code(request, response, advocate.referral_code)


@public
async def landing_submit(request: Request) -> Response:
    """The prospect's own details. The referral goes to the advocate the cookie remembers (a
    visit through their link or a shared content page), else to the link's owner."""
    session = db(request)
    advocate = await service.access_advocate_for_code(session, request.path_params["code"])
    remembered = remembered_referral_code(request)
    if remembered and remembered != advocate.referral_code:
        advocate = await service.get_advocate_for_code(session, remembered) or advocate
    data = await request.form()
    state = forms.prospect_form(data)
    context = {
        "advocate": advocate,
        "offer": (await service.load_settings(session)).offer_text,
        "form": state,
        "done": False,
        "guard": guard_fields(request),
    }
    verdict = await screen_post(request, data, form=PublicForm.LANDING, subject_id=advocate.id)
    if verdict.looks_accepted:
        context["done"] = True
        return render(
            request, "referrals/landing.html", context, partial="referrals/_landing_form.html"
        )
    if not verdict.goes_on:
        state.add_error(None, verdict.message)
        return render(
            request,
            "referrals/landing.html",
            context,
            partial="referrals/_landing_form.html",
            status_code=verdict.status_code,
        )
    if not state.ok:
        return render(
            request,
            "referrals/landing.html",
            context,
            partial="referrals/_landing_form.html",
            status_code=422,
        )
    try:
        await service.submit_referral(
            session,
            referrer=advocate,
            prospect=_prospect(state),
            note=state.value("note"),
            source=Source.LINK,
            client_key=client_key(request),
        )
    except service.DisposableAddress as error:
        state.add_error("email", error.message)
        return render(
            request,
            "referrals/landing.html",
            context,
            partial="referrals/_landing_form.html",
            status_code=error.status_code,
        )
    except Conflict:
        # The same answer for "already referred" and "already a member": a public page does
        # not tell strangers which addresses we know.
        state.add_error(
            None,
            "We already have these details, so there is nothing more to do: we'll be in touch.",
        )
        return render(
            request,
            "referrals/landing.html",
            context,
            partial="referrals/_landing_form.html",
            status_code=409,
        )
    context["done"] = True
    response = render(
        request, "referrals/landing.html", context, partial="referrals/_landing_form.html"
    )
    return remember_referral_code(request, response, advocate.referral_code)


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
]
