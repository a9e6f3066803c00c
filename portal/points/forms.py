"""Parsing the adjustment, level, badge and badge-award forms."""

import uuid

from starlette.datastructures import FormData

from portal.forms import FormState
from portal.icons import BADGE_ICONS
from portal.parsing import column_length
from portal.points.models import Badge, LedgerEntry, Level, UserBadge

# One adjustment, or a level's threshold: far beyond any real program, well within int4.
MAX_POINTS = 10_000_000
MAX_KEY = 80  # the ledger key adds a prefix to it: far within its column


def adjustment_form(form: FormData) -> tuple[FormState, int]:
    state = FormState.of(form, "points", "reason")
    state.keep_hidden(form, "key")
    state.data["counts_toward_lifetime"] = "on" if form.get("counts_toward_lifetime") else ""
    amount = state.number(
        "points",
        minimum=-MAX_POINTS,
        maximum=MAX_POINTS,
        message=f"Enter a whole number, like 50 or -20 (at most {MAX_POINTS:,} either way).",
    )
    if amount == 0:
        state.add_error("points", "Enter a number other than zero.")
    state.require("reason", message="Say why: the advocate sees this in their points history.")
    state.check_fits("reason", LedgerEntry.reason)
    if not state.value("key") or len(state.value("key")) > MAX_KEY:
        state.data["key"] = new_adjustment_key()  # a browser sends ours back
    return state, amount or 0


def new_adjustment_key() -> str:
    """Sent with the form, so a double submit is a replay of the same adjustment."""
    return f"adjust:{uuid.uuid4()}"


def level_form(form: FormData) -> tuple[FormState, int]:
    state = FormState.of(form, "name", "min_points", "description")
    state.require("name", message="Give the level a name.")
    state.check_fits("name", Level.name)
    state.check_fits("description", Level.description)
    threshold = state.number(
        "min_points",
        minimum=0,
        maximum=MAX_POINTS,
        message=f"Enter the points needed, like 500 (at most {MAX_POINTS:,}).",
    )
    return state, threshold if threshold is not None else -1


def award_form(form: FormData) -> tuple[FormState, int | None]:
    """The badge to award and a note (longer notes are cut to the column)."""
    state = FormState.of(form, "badge_id", "note")
    state.data["note"] = state.value("note")[: column_length(UserBadge.note)]
    return state, state.number("badge_id", minimum=1, optional=True)


def badge_form(form: FormData) -> FormState:
    state = FormState.of(form, "name", "description", "icon")
    state.require("name", message="Give the badge a name.")
    state.check_fits("name", Badge.name)
    state.check_fits("description", Badge.description)
    if state.value("icon") not in BADGE_ICONS:
        state.add_error("icon", "Choose the badge's icon.")
    return state
