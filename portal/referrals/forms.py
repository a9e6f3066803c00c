"""Parsing the referral forms into typed values plus per-field errors, keeping what was typed."""

from starlette.datastructures import FormData

from portal.forms import FormState
from portal.i18n import N_, _
from portal.parsing import column_max
from portal.referrals.models import PIPELINE, CloseReason, Referral, Stage

PROSPECT_FIELDS = ("name", "email", "company", "job_title", "phone", "note")
SETTINGS_POINTS = tuple(f"points_{stage.value}" for stage in PIPELINE)
SETTINGS_TEXT = ("offer_text", "target_domains", "free_mail_domains", "routing_rules")


def prospect_form(form: FormData) -> FormState:
    """The refer-a-friend form and the landing page's form share these fields."""
    state = FormState.of(form, *PROSPECT_FIELDS)
    state.require("name", message=N_("Enter the person's name."))
    state.check_email("email")
    if state.errors.get("email") == _("Enter your email address."):
        state.errors["email"] = _("Enter the person's email address.")
    for name, column in (
        ("name", Referral.prospect_name),
        ("email", Referral.prospect_email),
        ("company", Referral.prospect_company),
        ("job_title", Referral.prospect_job_title),
        ("phone", Referral.prospect_phone),
    ):
        state.check_fits(name, column)
    state.check_length("note", 2000)
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
    value = state.number(
        "deal_value",
        minimum=0,
        maximum=column_max(Referral.deal_value),
        message="Enter the deal value as a whole number, like 12000.",
        optional=True,
    )
    return state, value


def owner_form(form: FormData) -> tuple[FormState, int | None]:
    """The rep to assign; empty (or not a rep's id) leaves the referral unassigned."""
    state = FormState.of(form, "owner_id")
    return state, state.number("owner_id", minimum=1, optional=True)


def note_form(form: FormData) -> FormState:
    state = FormState.of(form, "body")
    state.require("body", message="Write the note first.")
    state.check_length("body", 4000)
    return state


def settings_form(form: FormData) -> tuple[FormState, dict[str, int | str]]:
    state = FormState.of(
        form,
        *SETTINGS_POINTS,
        *SETTINGS_TEXT,
        "stale_after_days",
        "burst_limit",
        "burst_minutes",
    )
    values: dict[str, int | str] = {}
    for name in SETTINGS_POINTS:
        points = state.number(
            name,
            minimum=0,
            maximum=1_000_000,
            message="Enter a whole number of points from 0 to 1,000,000.",
        )
        if points is not None:
            values[name] = points
    days = state.number(
        "stale_after_days", minimum=1, maximum=365, message="Enter a number of days from 1 to 365."
    )
    if days is not None:
        values["stale_after_days"] = days
    # Left empty, the fraud-check numbers keep their current values.
    burst = state.number(
        "burst_limit",
        minimum=1,
        maximum=1000,
        message="Enter a number of referrals from 1 to 1,000.",
        optional=True,
    )
    if burst is not None:
        values["burst_limit"] = burst
    minutes = state.number(
        "burst_minutes",
        minimum=1,
        maximum=10_080,
        message="Enter a number of minutes from 1 to 10,080 (a week).",
        optional=True,
    )
    if minutes is not None:
        values["burst_minutes"] = minutes
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
