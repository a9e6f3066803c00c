"""Manage → Settings (admins): program name, tagline, sign-up policy, leaderboards, what points
are worth, the program's time zone and language, and whether admins must use two-factor
sign-in. Saving asks the admin to confirm it's them when their last confirmation is older than
15 minutes."""

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import i18n, zones
from portal.forms import FormState
from portal.i18n import N_, _, gettext, number
from portal.money import CURRENCIES
from portal.people.access import current_user, requires
from portal.people.models import Role
from portal.people.reauth import confirmed_recently
from portal.program import cache, service
from portal.program.cache import ProcessCache
from portal.program.service import DisposableEmails, SignupMode
from portal.web import db, flash, redirect, render

MAX_POINTS_PER_UNIT = 1_000_000


@requires(Role.ADMIN)
async def edit_settings(request: Request) -> Response:
    config = request.state.program
    state = FormState(
        data={
            "program_name": config.program_name,
            "tagline": config.tagline,
            "signup_mode": config.signup_mode.value,
            "leaderboard_excludes_staff": "on" if config.leaderboard_excludes_staff else "",
            "points_per_money_unit": str(config.points_per_money_unit),
            "currency": config.currency,
            "admins_require_two_factor": "on" if config.admins_require_two_factor else "",
            "disposable_emails": config.disposable_emails.value,
            "time_zone": config.zone_name,
            "language": config.language_code,
        }
    )
    return _page(request, state)


def _page(request: Request, state: FormState, *, status_code: int = 200) -> Response:
    context = {
        "form": state,
        "modes": list(SignupMode),
        "currencies": CURRENCIES,
        "disposable_choices": list(DisposableEmails),
        "language_choices": i18n.language_names(),
    }
    return render(request, "program/settings.html", context, status_code=status_code)


@requires(Role.ADMIN)
@confirmed_recently(N_("save the program settings"))
async def save_settings(request: Request) -> Response:
    form = await request.form()
    state = FormState.of(
        form,
        "program_name",
        "tagline",
        "signup_mode",
        "points_per_money_unit",
        "currency",
        "disposable_emails",
        "time_zone",
        "language",
    )
    # Radio buttons always post one choice; a post without it keeps the current one.
    state.data["disposable_emails"] = (
        state.value("disposable_emails") or request.state.program.disposable_emails.value
    )
    for flag in ("leaderboard_excludes_staff", "admins_require_two_factor"):
        state.data[flag] = "on" if form.get(flag) else ""
    state.require("program_name", message=gettext("Give the program a name."))
    state.check_length("program_name", 80)
    state.check_length("tagline", 200)
    rate = state.number(
        "points_per_money_unit",
        minimum=1,
        maximum=MAX_POINTS_PER_UNIT,
        message=gettext("Enter a whole number from 1 to %(max)s.")
        % {"max": number(MAX_POINTS_PER_UNIT)},
    )
    if state.value("signup_mode") not in set(SignupMode):
        state.add_error("signup_mode", "Choose how people join.")
    if state.value("disposable_emails") not in set(DisposableEmails):
        state.add_error("disposable_emails", "Choose what happens to throw-away addresses.")
    if not state.value("currency"):  # a form from before the currency field keeps the current one
        state.data["currency"] = request.state.program.currency
    if state.value("currency") not in dict(CURRENCIES):
        state.add_error("currency", "Choose the currency deal values are in.")
    config = request.state.program
    if not state.value("time_zone"):  # a form from before the time zone field keeps the current one
        state.data["time_zone"] = config.zone_name
    if not zones.is_zone(state.value("time_zone")):
        state.add_error("time_zone", "Choose a time zone from the list, like Europe/Berlin.")
    if not state.value("language"):  # a form from before the language field keeps the current one
        state.data["language"] = config.language_code
    if i18n.match(state.value("language")) is None:
        state.add_error("language", _("Choose a language from the list."))
    if not state.ok or rate is None:
        return _page(request, state, status_code=422)
    await service.update(
        db(request),
        actor=current_user(request),
        program_name=state.value("program_name"),
        tagline=state.value("tagline"),
        signup_mode=SignupMode(state.value("signup_mode")),
        leaderboard_excludes_staff=bool(state.value("leaderboard_excludes_staff")),
        points_per_money_unit=rate,
        currency=state.value("currency"),
        admins_require_two_factor=bool(state.value("admins_require_two_factor")),
        disposable_emails=DisposableEmails(state.value("disposable_emails")),
        # The zone already in force stays as it is kept ("" follows PORTAL_TIME_ZONE).
        time_zone=(
            config.time_zone
            if state.value("time_zone") == config.zone_name
            else state.value("time_zone")
        ),
        language=(
            config.language
            if state.value("language") == config.language_code
            else state.value("language")
        ),
    )
    flash(request, gettext("Settings saved."))
    return redirect(request, "program:settings")


routes = [
    Route("/", edit_settings, methods=["GET"], name="settings"),
    Route("/", save_settings, methods=["POST"], name="save"),
]


async def load_program(request: Request, extras: Mapping[str, Any]) -> None:
    """The program's settings for every page (the layout shows its name): one of the app's
    request loaders, given the cache version its viewer statement read."""
    session = db(request)
    store: ProcessCache = request.app.state.program_cache
    cache.use(session, store.at(extras.get(cache.VERSION_COLUMN)))
    request.state.program = await service.load_once(session)
