"""The People table's forms: a bulk action (what, to whom) and a saved view's name."""

from dataclasses import dataclass

from starlette.datastructures import FormData

from portal.directory.bulk import MAX_BULK_POINTS, BulkAction, valid_action_key
from portal.forms import FormState, ids
from portal.i18n import gettext, number

MAX_VIEW_NAME = 80
MAX_VIEW_QUERY = 2000
MAX_REASON = 200


@dataclass
class BulkForm:
    state: FormState
    action: BulkAction | None
    everyone: bool  # the whole filtered set, not the ticked rows
    user_ids: list[int]
    group_id: int | None
    points: int
    view: str  # the table's query string, to act on its filtered set and to return to it


def bulk_form(form: FormData) -> BulkForm:
    state = FormState.of(form, "action", "group", "points", "reason", "scope")
    view = state.keep_hidden(form, "view")[:MAX_VIEW_QUERY]
    state.keep_hidden(form, "action_key")
    chosen = state.value("action")
    action = BulkAction(chosen) if chosen in set(BulkAction) else None
    if action is None:
        state.add_error("action", "Choose what to do.")
    everyone = state.value("scope") == "all"
    user_ids = sorted(ids(form, "ids"))
    if not everyone and not user_ids:
        state.add_error(None, "Tick the people to act on, or choose everyone who matches.")
    group_id = None
    if action is not None and action.needs_group:
        group_id = state.number("group", minimum=1, message=gettext("Choose a group."))
    amount = 0
    if action is BulkAction.AWARD_POINTS:
        amount = (
            state.number(
                "points",
                minimum=1,
                maximum=MAX_BULK_POINTS,
                message=gettext("Enter the points to award, from 1 to %(max)s.")
                % {"max": number(MAX_BULK_POINTS)},
            )
            or 0
        )
        state.require(
            "reason", message=gettext("Say why: the people see it in their points history.")
        )
        state.check_length("reason", MAX_REASON)
    return BulkForm(state, action, everyone, user_ids, group_id, amount, view)


def confirmed_key(form: BulkForm) -> str | None:
    key = form.state.value("action_key")
    return key if valid_action_key(key) else None


def view_form(form: FormData) -> tuple[FormState, bool]:
    state = FormState.of(form, "name")
    state.keep_hidden(form, "query")
    state.require("name", message=gettext("Name the view."))
    state.check_length("name", MAX_VIEW_NAME)
    if len(state.value("query")) > MAX_VIEW_QUERY:
        state.add_error("name", "These filters are too long to save: remove some.")
    return state, form.get("shared") == "on"
