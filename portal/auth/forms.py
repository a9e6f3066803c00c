"""Parsing the sign-in, sign-up, invitation, profile and password forms."""

from starlette.datastructures import FormData

from portal import i18n, zones
from portal.forms import FormState, secret
from portal.i18n import N_, _, gettext
from portal.people.models import Role


def login_form(form: FormData) -> tuple[FormState, str]:
    state = FormState.of(form, "email")
    state.keep_hidden(form, "next")
    password = secret(form, "password")
    state.check_email()
    if not password:
        state.add_error("password", gettext("Enter your password."))
    return state, password


def email_form(form: FormData) -> FormState:
    state = FormState.of(form, "email")
    state.check_email()
    return state


def new_password_form(form: FormData, *, with_name: bool = False) -> tuple[FormState, str]:
    state = FormState.of(form, "display_name") if with_name else FormState()
    password = secret(form, "password")
    if with_name:
        state.require("display_name", message=N_("Tell us what to call you."))
        state.check_length("display_name", 120)
    if not password:
        state.add_error("password", gettext("Choose a password."))
    elif password != secret(form, "password_confirm"):
        state.add_error("password_confirm", gettext("The two passwords don't match."))
    return state, password


def signup_form(form: FormData) -> tuple[FormState, str]:
    state = FormState.of(form, "display_name", "email", "company", "job_title")
    state.require("display_name", message=N_("Tell us what to call you."))
    state.check_email()
    for name, maximum in (("display_name", 120), ("company", 200), ("job_title", 200)):
        state.check_length(name, maximum)
    password = secret(form, "password")
    if not password:
        state.add_error("password", gettext("Choose a password."))
    return state, password


def invite_form(form: FormData) -> tuple[FormState, set[Role]]:
    state = FormState.of(form, "email", "display_name")
    state.check_email()
    state.require("display_name", message=gettext("Enter the person's name."))
    state.check_length("display_name", 120)
    roles = roles_from(form)
    if not roles:
        state.add_error("roles", gettext("Choose at least one role."))
    state.data["roles"] = ",".join(sorted(roles))
    return state, roles


def roles_from(form: FormData) -> set[Role]:
    chosen = set(form.getlist("roles"))
    return {role for role in Role if role.value in chosen}


def profile_form(form: FormData) -> FormState:
    state = FormState.of(form, "display_name", "company", "job_title", "time_zone", "language")
    if state.value("time_zone") and not zones.is_zone(state.value("time_zone")):
        state.add_error("time_zone", _("Choose a time zone from the list, like Europe/Berlin."))
    if state.value("language") and i18n.match(state.value("language")) is None:
        state.add_error("language", _("Choose a language from the list."))
    state.data["show_in_feed"] = "on" if form.get("show_in_feed") else ""
    state.data["hide_from_boards"] = "on" if form.get("hide_from_boards") else ""
    state.require("display_name", message=N_("Tell us what to call you."))
    for name, maximum in (("display_name", 120), ("company", 200), ("job_title", 200)):
        state.check_length(name, maximum)
    return state


def password_change_form(form: FormData) -> tuple[FormState, str, str]:
    state = FormState()
    current, new = secret(form, "current_password"), secret(form, "new_password")
    if not current:
        state.add_error("current_password", gettext("Enter your current password."))
    if not new:
        state.add_error("new_password", gettext("Choose a new password."))
    elif new != secret(form, "new_password_confirm"):
        state.add_error("new_password_confirm", gettext("The two passwords don't match."))
    return state, current, new
