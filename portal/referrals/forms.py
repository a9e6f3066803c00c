"""Parsing the referral forms into typed values plus per-field errors, keeping what was typed."""

from starlette.datastructures import FormData

from portal.forms import FormState
from portal.referrals.models import PIPELINE, CloseReason, Stage

PROSPECT_FIELDS = ("name", "email", "company", "job_title", "phone", "note")
SETTINGS_POINTS = tuple(f"points_{stage.value}" for stage in PIPELINE)
SETTINGS_TEXT = ("offer_text", "target_domains", "free_mail_domains", "routing_rules")


def prospect_form(form: FormData) -> FormState:
    """The refer-a-friend form and the landing page's form share these fields."""
    state = FormState.of(form, *PROSPECT_FIELDS)
    state.require("name", message="Enter the person's name.")
    state.check_email("email")
    if state.errors.get("email") == "Enter your email address.":
        state.errors["email"] = "Enter the person's email address."
    for name, maximum in (
        ("name", 120),
        ("email", 320),
        ("company", 200),
        ("job_title", 200),
        ("phone", 40),
        ("note", 2000),
    ):
        state.check_length(name, maximum)
    return state


def move_form(form: FormData) -> tuple[FormState, Stage | None, CloseReason | None]:
    state = FormState.of(form, "stage", "reason", "note")
    stage = Stage(state.value("stage")) if state.value("stage") in set(Stage) else None
    reason = (
        CloseReason(state.value("reason")) if state.value("reason") in set(CloseReason) else None
    )
    if stage is None:
        state.add_error("stage", "Choose a stage.")
    elif stage.is_closed and reason is None:
        state.add_error("reason", f"Say why it is {stage.value}.")
    state.check_length("note", 400)
    return state, stage, reason


def deal_form(form: FormData) -> tuple[FormState, int | None]:
    state = FormState.of(form, "deal_value")
    raw = state.value("deal_value").replace(",", "").replace(" ", "")
    if not raw:
        return state, None
    if not raw.isdigit() or len(raw) > 12:
        state.add_error("deal_value", "Enter the deal value as a whole number, like 12000.")
        return state, None
    return state, int(raw)


def note_form(form: FormData) -> FormState:
    state = FormState.of(form, "body")
    state.require("body", message="Write the note first.")
    state.check_length("body", 4000)
    return state


def settings_form(form: FormData) -> tuple[FormState, dict[str, int | str]]:
    state = FormState.of(form, *SETTINGS_POINTS, *SETTINGS_TEXT, "stale_after_days")
    values: dict[str, int | str] = {}
    for name in SETTINGS_POINTS:
        raw = state.value(name)
        if not raw.isdigit() or int(raw) > 1_000_000:
            state.add_error(name, "Enter a whole number of points from 0 to 1,000,000.")
        else:
            values[name] = int(raw)
    raw_days = state.value("stale_after_days")
    if not raw_days.isdigit() or not 1 <= int(raw_days) <= 365:
        state.add_error("stale_after_days", "Enter a number of days from 1 to 365.")
    else:
        values["stale_after_days"] = int(raw_days)
    state.check_length("offer_text", 300)
    for name in ("target_domains", "free_mail_domains", "routing_rules"):
        state.check_length(name, 5000)
    for line in state.value("routing_rules").splitlines():
        if line.strip() and "=" not in line:
            state.add_error("routing_rules", f"Write each rule as “domain = rep's email”: {line}")
            break
    for name in SETTINGS_TEXT:
        values[name] = state.value(name)
    return state, values
