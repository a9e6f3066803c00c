"""Parsing the group form and the add-member form."""

from starlette.datastructures import FormData

from portal.forms import FormState
from portal.i18n import gettext
from portal.people.models import Group


def group_form(form: FormData) -> FormState:
    state = FormState.of(form, "name", "description")
    state.require("name", message=gettext("Give the group a name."))
    state.check_fits("name", Group.name)
    state.check_fits("description", Group.description)
    return state


def member_form(form: FormData) -> tuple[FormState, int | None]:
    state = FormState.of(form, "user_id")
    return state, state.number("user_id", minimum=1, message=gettext("Choose someone to add."))
