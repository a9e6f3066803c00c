"""The rewards catalog, redeeming, and My redemptions."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.errors import PortalError
from portal.files.web import file_response, storage
from portal.forms import FormState
from portal.i18n import _
from portal.people.access import current_user, signed_in
from portal.rewards import forms, service
from portal.rewards.models import RewardKind
from portal.web import db, flash, redirect, render


@signed_in
async def catalog(request: Request) -> Response:
    raw_kind = request.query_params.get("kind", "")
    affordable = request.query_params.get("affordable") == "1"
    view = await service.catalog_view(
        db(request),
        viewer=current_user(request),
        kind=RewardKind(raw_kind) if raw_kind in set(RewardKind) else None,
        affordable=affordable,
    )
    context = {
        "view": view,
        "kinds": list(RewardKind),
        "kind": raw_kind,
        "affordable": affordable,
        "why_cannot": service.why_cannot_redeem,
    }
    return render(request, "rewards/catalog.html", context, partial="rewards/_grid.html")


async def _redeem_page(
    request: Request, form: FormState | None, status_code: int = 200
) -> Response:
    view = await service.redeem_view(
        db(request), viewer=current_user(request), reward_id=request.path_params["reward_id"]
    )
    if form is None:
        form = FormState(data={"key": forms.new_request_key(), **view.shipping})
    context = {"view": view, "form": form, "labels": forms.SHIPPING_LABELS}
    return render(request, "rewards/redeem.html", context, status_code=status_code)


@signed_in
async def redeem_page(request: Request) -> Response:
    return await _redeem_page(request, None)


@signed_in
async def redeem(request: Request) -> Response:
    view = await service.redeem_view(
        db(request), viewer=current_user(request), reward_id=request.path_params["reward_id"]
    )
    state = forms.redeem_form(await request.form(), needs_shipping=view.item.reward.needs_shipping)
    if not state.ok:
        return await _redeem_page(request, state, status_code=422)
    try:
        redemption = await service.request_redemption(
            db(request),
            user=current_user(request),
            reward_id=view.item.reward.id,
            key=state.value("key"),
            shipping=forms.shipping_of(state) if view.item.reward.needs_shipping else None,
        )
    except service.RedeemRefused as error:
        state.add_error(None, error.message)
        return await _redeem_page(request, state, status_code=409)
    flash(request, _("You redeemed %(reward)s.") % {"reward": view.item.reward.title})
    return redirect(request, "rewards:redemption", redemption_id=redemption.id)


@signed_in
async def my_redemptions(request: Request) -> Response:
    redemptions = await service.my_redemptions(db(request), user=current_user(request))
    return render(request, "rewards/redemptions.html", {"redemptions": redemptions})


@signed_in
async def redemption(request: Request) -> Response:
    found = await service.access_redemption(
        db(request),
        viewer=current_user(request),
        redemption_id=request.path_params["redemption_id"],
    )
    return render(request, "rewards/redemption.html", {"redemption": found})


@signed_in
async def cancel(request: Request) -> Response:
    try:
        await service.cancel_redemption(
            db(request),
            user=current_user(request),
            redemption_id=request.path_params["redemption_id"],
        )
    except PortalError as error:
        if error.status_code == 404:
            raise
        flash(request, error.message, "error")
    else:
        flash(request, _("Cancelled. Your points are back in your balance."))
    return redirect(
        request, "rewards:redemption", redemption_id=request.path_params["redemption_id"]
    )


@signed_in
async def image(request: Request) -> Response:
    reward = await service.reward_image(
        db(request), viewer=current_user(request), reward_id=request.path_params["reward_id"]
    )
    assert reward.image_name is not None  # noqa: S101 (reward_image checks it)
    return await file_response(
        request,
        storage(request),
        name=reward.image_name,
        content_type=reward.image_type,
        filename=f"reward-{reward.id}",
        inline=True,
    )


routes = [
    Route("/", catalog, methods=["GET"], name="catalog"),
    Route("/{reward_id:int}", redeem_page, methods=["GET"], name="reward"),
    Route("/{reward_id:int}/redeem", redeem, methods=["POST"], name="redeem"),
    Route("/{reward_id:int}/image", image, methods=["GET"], name="image"),
    Route("/redemptions", my_redemptions, methods=["GET"], name="redemptions"),
    Route("/redemptions/{redemption_id:int}", redemption, methods=["GET"], name="redemption"),
    Route("/redemptions/{redemption_id:int}/cancel", cancel, methods=["POST"], name="cancel"),
]
