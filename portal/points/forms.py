"""Parsing the adjustment, level, badge and badge-award forms."""

import uuid

from starlette.datastructures import FormData

from portal.forms import FormState


def _whole_number(state: FormState, name: str, *, message: str) -> int | None:
    raw = state.value(name).replace(",", "").replace("+", "")
    try:
        return int(raw)
    except ValueError:
        state.add_error(name, message)
        return None


def adjustment_form(form: FormData) -> tuple[FormState, int]:
    state = FormState.of(form, "points", "reason", "key")
    state.data["counts_toward_lifetime"] = "on" if form.get("counts_toward_lifetime") else ""
    amount = _whole_number(state, "points", message="Enter a whole number, like 50 or -20.")
    if amount == 0:
        state.add_error("points", "Enter a number other than zero.")
    state.require("reason", message="Say why: the advocate sees this in their points history.")
    state.check_length("reason", 200)
    if not state.value("key"):
        state.data["key"] = new_adjustment_key()
    return state, amount or 0


def new_adjustment_key() -> str:
    """Sent with the form, so a double submit is a replay of the same adjustment."""
    return f"adjust:{uuid.uuid4()}"


def level_form(form: FormData) -> tuple[FormState, int]:
    state = FormState.of(form, "name", "min_points", "description")
    state.require("name", message="Give the level a name.")
    state.check_length("name", 60)
    state.check_length("description", 300)
    threshold = _whole_number(state, "min_points", message="Enter the points needed, like 500.")
    return state, threshold if threshold is not None else -1


def badge_form(form: FormData) -> FormState:
    state = FormState.of(form, "name", "description", "icon")
    state.require("name", message="Give the badge a name.")
    state.check_length("name", 80)
    state.check_length("description", 300)
    return state
