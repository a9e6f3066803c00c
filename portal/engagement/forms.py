"""Parsing the sequence step form."""

from starlette.datastructures import FormData

from portal.engagement.sequences import MAX_DAYS
from portal.forms import FormState
from portal.i18n import gettext


def step_form(form: FormData, *, written: bool) -> tuple[FormState, int | None]:
    state = FormState.of(form, "days", "subject", "body")
    state.data["is_enabled"] = "on" if form.get("is_enabled") else ""
    state.data["only_if_quiet"] = "on" if form.get("only_if_quiet") else ""
    days = state.number(
        "days",
        minimum=0,
        maximum=MAX_DAYS,
        message=gettext("Enter a number of days up to %(max)s.") % {"max": MAX_DAYS},
    )
    if written:
        state.require("subject", message=gettext("Give the email a subject."))
        state.require("body", message=gettext("Write the email."))
        if len(state.value("body")) > 100_000:
            state.add_error("body", "Keep the email under 100,000 characters.")
    return state, days
