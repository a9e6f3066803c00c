"""Manage → Rewards: the catalog and code pools (the fulfilment queue: `queue_routes`)."""

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import translations
from portal.errors import PortalError
from portal.files.storage import iterate_file
from portal.files.web import storage
from portal.forms import FormState
from portal.i18n import gettext
from portal.people import service as people
from portal.people.access import current_user, staff_of_program
from portal.points import service as points
from portal.request_body import accepts_upload, image_mb, list_mb
from portal.rewards import forms, queue_routes, service
from portal.rewards.models import RewardKind
from portal.web import db, flash, redirect, render, settings


@staff_of_program
async def rewards_list(request: Request) -> Response:
    rows = await service.list_rewards(db(request))
    return render(request, "rewards/manage_list.html", {"rows": rows})


async def _edit_page(
    request: Request, form: FormState, *, reward_id: int | None, status_code: int = 200
) -> Response:
    context = {
        "form": form,
        "reward_id": reward_id,
        "kinds": list(RewardKind),
        "groups": await people.list_groups(db(request)),
        "translated_fields": forms.TRANSLATED,
        "translation_languages": translations.targets(request.state.program.language_code),
        "level_options": [("", "Everyone")]
        + [
            (str(level.id), f"{level.name} and above")
            for level in await points.cached_levels(db(request))
        ],
        "codes": await service.codes_of(db(request), reward_id) if reward_id else [],
        "has_image": bool(form.value("has_image")),
    }
    return render(request, "rewards/manage_edit.html", context, status_code=status_code)


@staff_of_program
async def new_reward(request: Request) -> Response:
    defaults = {"kind": "physical", "needs_approval": "on", "is_active": "on"}
    return await _edit_page(request, FormState(data=defaults), reward_id=None)


@staff_of_program
async def edit_reward(request: Request) -> Response:
    reward = await service.access_reward_for_staff(db(request), request.path_params["reward_id"])
    data = {
        "title": reward.title_source,
        "description": reward.description_html_source,
        "kind": str(reward.kind),
        "cost": str(reward.cost),
        "inventory": "" if reward.inventory is None else str(reward.inventory),
        "per_user_limit": "" if reward.per_user_limit is None else str(reward.per_user_limit),
        "cause": reward.cause,
        "needs_approval": "on" if reward.needs_approval else "",
        "is_active": "on" if reward.is_active else "",
        "uses_code_pool": "on" if reward.uses_code_pool else "",
        "for_referred_friends": "on" if reward.for_referred_friends else "",
        "groups": ",".join(str(g.group_id) for g in reward.groups),
        "has_image": "on" if reward.image_name else "",
        **translations.form_data(reward.translations, forms.TRANSLATED),
        "required_level_id": str(await service.required_level_id(db(request), reward.id) or ""),
    }
    return await _edit_page(request, FormState(data=data), reward_id=reward.id)


@staff_of_program
@accepts_upload(image_mb)
async def save_reward(request: Request) -> Response:
    reward_id = request.path_params.get("reward_id")
    form = await request.form()
    state, values = forms.reward_form(form, language=request.state.program.language_code)
    if values is None:
        return await _edit_page(request, state, reward_id=reward_id, status_code=422)
    upload = form.get("image")
    image = None
    if isinstance(upload, UploadFile) and upload.filename:
        image = service.ImageUpload(
            storage=storage(request),
            chunks=iterate_file(upload),
            filename=upload.filename,
            max_bytes=settings(request).max_image_mb * 1024 * 1024,
        )
    try:
        reward = await service.save_reward(
            db(request),
            staff=current_user(request),
            values=values,
            reward_id=reward_id,
            image=image,
            remove_image=bool(form.get("remove_image")),
        )
    except service.InvalidRewardLevel as error:
        state.add_error("required_level_id", error.message)
        return await _edit_page(request, state, reward_id=reward_id, status_code=422)
    except PortalError as error:
        state.add_error("image", error.message)
        return await _edit_page(request, state, reward_id=reward_id, status_code=422)
    flash(request, gettext("%(title)s saved.") % {"title": reward.title})
    return redirect(request, "manage_rewards:edit", reward_id=reward.id)


@staff_of_program
@accepts_upload(list_mb)
async def add_codes(request: Request) -> Response:
    reward_id = request.path_params["reward_id"]
    codes = await forms.codes_from(await request.form())
    try:
        upload = await service.add_codes(
            db(request), staff=current_user(request), reward_id=reward_id, codes=codes
        )
    except PortalError as error:
        flash(request, error.message, "error")
    else:
        message = f"{upload.added} codes added."
        if upload.duplicates:
            message += f" {len(upload.duplicates)} refused as duplicates: " + ", ".join(
                upload.duplicates[:10]
            )
        flash(request, message, "success" if upload.added else "error")
    return redirect(request, "manage_rewards:edit", reward_id=reward_id)


routes = [
    Route("/", rewards_list, methods=["GET"], name="list"),
    Route("/new", new_reward, methods=["GET"], name="new"),
    Route("/new", save_reward, methods=["POST"], name="create"),
    Route("/{reward_id:int}", edit_reward, methods=["GET"], name="edit"),
    Route("/{reward_id:int}", save_reward, methods=["POST"], name="save"),
    Route("/{reward_id:int}/codes", add_codes, methods=["POST"], name="codes"),
    *queue_routes.routes,
]
