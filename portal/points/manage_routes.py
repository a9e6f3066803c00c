"""Manage → Levels & badges, and a marketer's adjustments and badge awards for one person."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.errors import PortalError
from portal.forms import FormState
from portal.i18n import _
from portal.icons import BADGE_ICONS, DEFAULT_BADGE_ICON
from portal.people import service as people
from portal.people.access import current_user, staff_of_program
from portal.points import forms, service
from portal.points.models import Level
from portal.points.service import rescore
from portal.points.service.rules import Earning
from portal.points.service.tiers import DEFAULT_MULTIPLIED
from portal.web import db, flash, redirect, render


async def levels_page(
    request: Request,
    *,
    level_form: FormState | None = None,
    badge_form: FormState | None = None,
    edited: tuple[int, FormState] | None = None,
    status_code: int = 200,
) -> Response:
    """The page with a form per level: the one `edited` keeps what was typed and its errors."""
    levels = await service.list_levels(db(request))
    level_forms = {level.id: FormState(data=forms.level_data(level)) for level in levels}
    if edited is not None:
        level_forms[edited[0]] = edited[1]
    context = {
        "levels": levels,
        "level_forms": level_forms,
        "edited_level": edited[0] if edited else None,
        "earnings": list(Earning),
        "badges": await service.list_badges(db(request)),
        "level_form": level_form
        or FormState(data={f"multiplies_{e.value}": "on" for e in DEFAULT_MULTIPLIED}),
        "badge_form": badge_form or FormState(data={"icon": DEFAULT_BADGE_ICON}),
        "badge_icons": BADGE_ICONS,
        "runs": await rescore.recent_runs(db(request)),
    }
    return render(request, "points/manage.html", context, status_code=status_code)


@staff_of_program
async def levels_and_badges(request: Request) -> Response:
    return await levels_page(request)


@staff_of_program
async def add_level(request: Request) -> Response:
    state, values = forms.level_form(await request.form())
    if values is not None:
        try:
            level = await service.create_level(
                db(request),
                actor=current_user(request),
                name=values.name,
                min_points=values.min_points,
                description=values.description,
                multiplier_percent=values.multiplier_percent,
                multiplies=values.multiplies,
            )
        except service.InvalidLevel as error:
            state.add_error(None, error.message)
        else:
            flash(request, _("Level %(level)s added.") % {"level": level.name})
            return redirect(request, "manage_points:index")
    return await levels_page(request, level_form=state, status_code=422)


async def save_level(request: Request, level_id: int, values: forms.LevelValues) -> Level:
    """A level as the form has it, by the staff member asking (here and from the what-if)."""
    return await service.update_level(
        db(request),
        actor=current_user(request),
        level_id=level_id,
        name=values.name,
        min_points=values.min_points,
        description=values.description,
        multiplier_percent=values.multiplier_percent,
        multiplies=values.multiplies,
    )


@staff_of_program
async def change_level(request: Request) -> Response:
    level_id = request.path_params["level_id"]
    state, values = forms.level_form(await request.form())
    if values is not None:
        try:
            level = await save_level(request, level_id, values)
        except service.InvalidLevel as error:
            state.add_error(None, error.message)
        else:
            flash(request, _("Level %(level)s saved.") % {"level": level.name})
            return redirect(request, "manage_points:index")
    return await levels_page(request, edited=(level_id, state), status_code=422)


@staff_of_program
async def remove_level(request: Request) -> Response:
    try:
        await service.delete_level(
            db(request), actor=current_user(request), level_id=request.path_params["level_id"]
        )
    except PortalError as error:
        flash(request, error.message, "error")
    else:
        flash(request, _("Level deleted."))
    return redirect(request, "manage_points:index")


@staff_of_program
async def add_badge(request: Request) -> Response:
    state = forms.badge_form(await request.form())
    if state.ok:
        try:
            badge = await service.create_badge(
                db(request),
                actor=current_user(request),
                name=state.value("name"),
                description=state.value("description"),
                icon=state.value("icon"),
            )
        except service.InvalidLevel as error:
            state.add_error("name", error.message)
        else:
            flash(
                request,
                _("Badge %(badge)s created. Award it from a person's page.")
                % {"badge": badge.name},
            )
            return redirect(request, "manage_points:index")
    return await levels_page(request, badge_form=state, status_code=422)


async def _person_page(
    request: Request,
    *,
    adjust_form: FormState,
    floor_form: FormState | None = None,
    status_code: int = 200,
) -> Response:
    person = await people.access_user(db(request), request.path_params["user_id"])
    account = await service.account_summary(db(request), person)
    context = {
        "person": person,
        "account": account,
        "adjust_form": adjust_form,
        "level_options": [("", _("No floor: the level follows their points"))]
        + [(str(level.id), level.name) for level in await service.cached_levels(db(request))],
        "floor_form": floor_form
        or FormState(data={"level_id": str(account.balance.floor_level_id or "")}),
    }
    return render(request, "points/person.html", context, status_code=status_code)


@staff_of_program
async def person_points(request: Request) -> Response:
    return await _person_page(
        request, adjust_form=FormState(data={"key": forms.new_adjustment_key()})
    )


@staff_of_program
async def adjust_points(request: Request) -> Response:
    state, amount = forms.adjustment_form(await request.form())
    if state.ok:
        person = await people.access_user(db(request), request.path_params["user_id"])
        try:
            await service.adjust_points(
                db(request),
                actor=current_user(request),
                person=person,
                points=amount,
                reason=state.value("reason"),
                key=state.value("key"),
                counts_toward_lifetime=bool(state.value("counts_toward_lifetime")),
            )
        except service.OwnPointsAdjustment as error:
            state.add_error(None, error.message)
            return await _person_page(request, adjust_form=state, status_code=error.status_code)
        except PortalError as error:
            state.add_error("points", error.message)
        else:
            flash(
                request,
                _("%(points)s points for %(name)s.")
                % {"points": f"{amount:+,}", "name": person.display_name},
            )
            return redirect(request, "manage_points:person", user_id=person.id)
    return await _person_page(request, adjust_form=state, status_code=422)


@staff_of_program
async def set_level_floor(request: Request) -> Response:
    state, level_id = forms.floor_form(await request.form())
    new_key = FormState(data={"key": forms.new_adjustment_key()})
    if state.ok:
        person = await people.access_user(db(request), request.path_params["user_id"])
        try:
            level = await service.set_floor(
                db(request),
                actor=current_user(request),
                person=person,
                level_id=level_id,
                note=state.value("floor_note"),
            )
        except service.OwnLevelFloor as error:
            state.add_error(None, error.message)
            return await _person_page(
                request, adjust_form=new_key, floor_form=state, status_code=error.status_code
            )
        flash(
            request,
            _("%(name)s is kept at %(level)s or above.")
            % {"name": person.display_name, "level": level.name}
            if level
            else _("%(name)s's level follows their points again.") % {"name": person.display_name},
        )
        return redirect(request, "manage_points:person", user_id=person.id)
    return await _person_page(request, adjust_form=new_key, floor_form=state, status_code=422)


@staff_of_program
async def award_badge(request: Request) -> Response:
    form = await request.form()
    person = await people.access_user(db(request), request.path_params["user_id"])
    state, badge_id = forms.award_form(form)
    badge = await service.access_badge(db(request), badge_id or 0)
    awarded = await service.award_badge(
        db(request),
        user=person,
        badge=badge,
        by=current_user(request),
        note=state.value("note"),
    )
    flash(
        request,
        (
            _("%(name)s earned the %(badge)s badge.")
            if awarded
            else _("%(name)s already has the %(badge)s badge.")
        )
        % {"name": person.display_name, "badge": badge.name},
    )
    return redirect(request, "manage_points:person", user_id=person.id)


routes = [
    Route("/", levels_and_badges, methods=["GET"], name="index"),
    Route("/levels", add_level, methods=["POST"], name="add_level"),
    Route("/levels/{level_id:int}", change_level, methods=["POST"], name="change_level"),
    Route("/levels/{level_id:int}/delete", remove_level, methods=["POST"], name="remove_level"),
    Route("/badges", add_badge, methods=["POST"], name="add_badge"),
    Route("/people/{user_id:int}", person_points, methods=["GET"], name="person"),
    Route("/people/{user_id:int}/adjust", adjust_points, methods=["POST"], name="adjust"),
    Route("/people/{user_id:int}/badges", award_badge, methods=["POST"], name="award_badge"),
    Route("/people/{user_id:int}/floor", set_level_floor, methods=["POST"], name="level_floor"),
]
