"""Manage → Seasons: the seasons so far and a form for a new one."""

from dataclasses import dataclass
from datetime import datetime

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import zones
from portal.clock import utcnow
from portal.forms import FormState
from portal.i18n import gettext as _
from portal.people import service as people
from portal.people.access import current_user, staff_of_program
from portal.points import service
from portal.points.season_models import Season
from portal.templating import request_zone
from portal.web import db, flash, redirect, render


@dataclass(frozen=True)
class SeasonValues:
    name: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    group_id: int | None


def season_form(form: FormData) -> tuple[FormState, SeasonValues | None]:
    """Name, start and end as wall-clock times in the chosen zone, and an optional group."""
    state = FormState.of(form, "name", "starts_at", "ends_at", "time_zone", "group_id")
    state.require("name", message=_("Give the season a name."))
    state.check_fits("name", Season.name)
    time_zone = state.value("time_zone")
    if not zones.is_zone(time_zone):
        state.add_error("time_zone", _("Choose the time zone of the start and end."))
        time_zone = "UTC"
    zone = zones.zone(time_zone)
    starts_at = state.moment("starts_at", zone=zone)
    ends_at = state.moment("ends_at", zone=zone)
    state.require(
        "starts_at", "ends_at", message=_("Enter a date and time, like 2026-12-31 17:00.")
    )
    group_id = state.number("group_id", minimum=1, optional=True, message=_("Choose a group."))
    if not state.ok or starts_at is None or ends_at is None:
        return state, None
    return state, SeasonValues(state.value("name"), starts_at, ends_at, time_zone, group_id)


async def _page(
    request: Request, *, form: FormState | None = None, status_code: int = 200
) -> Response:
    groups = await people.list_groups(db(request))
    context = {
        "seasons": await service.list_seasons(db(request)),
        "groups": {group.id: group for group in groups},
        "group_options": [("", _("Everyone"))] + [(str(g.id), g.name) for g in groups],
        "now": utcnow(),
        "form": form or FormState(data={"time_zone": request_zone(request).key}),
    }
    return render(request, "points/seasons.html", context, status_code=status_code)


@staff_of_program
async def seasons(request: Request) -> Response:
    return await _page(request)


@staff_of_program
async def add_season(request: Request) -> Response:
    state, values = season_form(await request.form())
    if values is not None:
        try:
            season = await service.create_season(
                db(request),
                actor=current_user(request),
                name=values.name,
                starts_at=values.starts_at,
                ends_at=values.ends_at,
                time_zone=values.time_zone,
                group_id=values.group_id,
            )
        except service.InvalidSeason as error:
            state.add_error(error.field, error.message)
        else:
            flash(request, _("Season %(name)s added.") % {"name": season.name})
            return redirect(request, "seasons:index")
    return await _page(request, form=state, status_code=422)


routes = [
    Route("/", seasons, methods=["GET"], name="index"),
    Route("/", add_season, methods=["POST"], name="add"),
]
