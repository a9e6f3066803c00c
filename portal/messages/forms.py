"""Parsing the compose form (the moment to send is read in the author's chosen time zone) and
the template form."""

from dataclasses import dataclass
from datetime import datetime

from starlette.datastructures import FormData

from portal import parsing, zones
from portal.forms import FormState, ids
from portal.i18n import gettext
from portal.messages.models import Audience

SEND_NOW, SEND_LATER = "now", "later"


@dataclass(frozen=True)
class Compose:
    audience: Audience
    group_ids: frozenset[int]
    send_at: datetime | None  # None: now
    time_zone: str


def compose_form(form: FormData) -> tuple[FormState, Compose]:
    state = FormState.of(
        form, "subject", "body", "audience", "when", "send_at", "time_zone", "preview_as"
    )
    group_ids = ids(form, "groups")
    state.data["groups"] = ",".join(str(g) for g in sorted(group_ids))
    try:
        audience = Audience(state.value("audience") or Audience.EVERYONE)
    except ValueError:
        state.add_error("audience", "Choose who gets the message.")
        audience = Audience.EVERYONE
    if audience is Audience.PEOPLE:  # chosen on the People table, never typed here
        state.add_error("audience", "Choose who gets the message.")
    time_zone = state.value("time_zone") or "UTC"
    if not zones.is_zone(time_zone):
        state.add_error("time_zone", "Choose a time zone from the list.")
        time_zone = "UTC"
    state.data["time_zone"] = time_zone
    send_at = None
    if state.value("when") == SEND_LATER:
        send_at = _local_moment(state, time_zone)
    else:
        state.data["when"] = SEND_NOW
    if len(state.value("body")) > 100_000:
        state.add_error("body", "Keep the message under 100,000 characters.")
    return state, Compose(audience, group_ids, send_at, time_zone)


def _local_moment(state: FormState, time_zone: str) -> datetime | None:
    message = "Enter the date and time to send it, like 2026-12-31 09:00."
    if not state.value("send_at"):
        state.add_error("send_at", message)
        return None
    try:
        return parsing.moment(state.value("send_at"), zone=zones.zone(time_zone), message=message)
    except parsing.InvalidInput as error:
        state.add_error("send_at", error.message)
        return None


def template_form(form: FormData) -> FormState:
    state = FormState.of(form, "name", "subject", "body")
    state.require("name", message=gettext("Give the template a name."))
    if len(state.value("body")) > 100_000:
        state.add_error("body", "Keep the message under 100,000 characters.")
    return state
