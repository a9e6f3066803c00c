"""Manage → Community: the categories (who sees each) and what participation earns."""

from dataclasses import asdict

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.community import forms, service, settings
from portal.forms import FormState, form_text
from portal.i18n import _
from portal.people import service as people
from portal.people.access import current_user, staff_of_program
from portal.web import db, flash, redirect, render


async def _index(
    request: Request,
    form: FormState | None = None,
    points_form: FormState | None = None,
    status_code: int = 200,
) -> Response:
    if points_form is None:
        current = asdict(await settings.load_settings(db(request)))
        points_form = FormState(data={name: str(value) for name, value in current.items()})
    context = {
        "categories": await service.managed_categories(db(request)),
        "groups": await people.list_groups(db(request)),
        "form": form or FormState(),
        "points_form": points_form,
        "point_labels": settings.SETTING_LABELS,
        "approval_label": settings.APPROVAL_LABEL,
        "open_flags": await service.awaiting_moderation(db(request)),
    }
    return render(request, "community/manage.html", context, status_code=status_code)


@staff_of_program
async def index(request: Request) -> Response:
    return await _index(request)


@staff_of_program
async def create_category(request: Request) -> Response:
    state, values = forms.category_form(await request.form())
    if values is None:
        return await _index(request, state, status_code=422)
    try:
        category = await service.create_category(
            db(request), staff=current_user(request), values=values
        )
    except service.CategoryNameTaken as error:
        state.add_error("name", error.message)
        return await _index(request, state, status_code=409)
    flash(request, _("Category “%(name)s” created.") % {"name": category.name})
    return redirect(request, "manage_community:index")


async def _edit(
    request: Request, form: FormState | None = None, status_code: int = 200
) -> Response:
    row = await service.access_managed_category(db(request), request.path_params["category_id"])
    if form is None:
        form = FormState(
            data={
                "name": row.category.name,
                "description": row.category.description,
                "position": str(row.category.position),
                "groups": ",".join(str(group_id) for group_id in sorted(row.group_ids)),
            }
        )
    context = {"row": row, "groups": await people.list_groups(db(request)), "form": form}
    return render(request, "community/manage_edit.html", context, status_code=status_code)


@staff_of_program
async def edit_category(request: Request) -> Response:
    return await _edit(request)


@staff_of_program
async def update_category(request: Request) -> Response:
    state, values = forms.category_form(await request.form())
    if values is None:
        return await _edit(request, state, status_code=422)
    try:
        category = await service.update_category(
            db(request),
            staff=current_user(request),
            category_id=request.path_params["category_id"],
            values=values,
        )
    except service.CategoryNameTaken as error:
        state.add_error("name", error.message)
        return await _edit(request, state, status_code=409)
    flash(request, _("Category “%(name)s” saved.") % {"name": category.name})
    return redirect(request, "manage_community:index")


@staff_of_program
async def save_points(request: Request) -> Response:
    state, values = forms.points_form(await request.form())
    if values is None:
        return await _index(request, points_form=state, status_code=422)
    await settings.save_settings(db(request), actor=current_user(request), **values)
    flash(request, _("Community settings saved."))
    return redirect(request, "manage_community:index")


@staff_of_program
async def queue(request: Request) -> Response:
    context = {
        "flagged": await service.open_flags(db(request)),
        "waiting": await service.waiting_posts(db(request)),
    }
    return render(request, "community/queue.html", context)


@staff_of_program
async def resolve(request: Request) -> Response:
    hide = form_text(await request.form(), "action", max_length=10) == "hide"
    await service.resolve_flags(
        db(request), staff=current_user(request), post_id=request.path_params["post_id"], hide=hide
    )
    flash(request, _("Post hidden.") if hide else _("Flags dismissed: the post stays."))
    return redirect(request, "manage_community:queue")


@staff_of_program
async def decide(request: Request) -> Response:
    approve = form_text(await request.form(), "action", max_length=10) == "approve"
    await service.decide_waiting_post(
        db(request),
        staff=current_user(request),
        post_id=request.path_params["post_id"],
        approve=approve,
    )
    flash(request, _("Post approved: it is live.") if approve else _("Post rejected."))
    return redirect(request, "manage_community:queue")


routes = [
    Route("/waiting/{post_id:int}", decide, methods=["POST"], name="decide"),
    Route("/queue", queue, methods=["GET"], name="queue"),
    Route("/queue/{post_id:int}", resolve, methods=["POST"], name="resolve"),
    Route("/", index, methods=["GET"], name="index"),
    Route("/points", save_points, methods=["POST"], name="points"),
    Route("/categories", create_category, methods=["POST"], name="create_category"),
    Route("/categories/{category_id:int}", edit_category, methods=["GET"], name="edit_category"),
    Route(
        "/categories/{category_id:int}", update_category, methods=["POST"], name="update_category"
    ),
]
