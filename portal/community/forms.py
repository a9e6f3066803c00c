"""Parsing the community's forms into typed values, keeping what was typed for a re-render."""

from dataclasses import dataclass

from starlette.datastructures import FormData

from portal.community.models import Category, Flag, Topic
from portal.community.service.manage import CategoryValues
from portal.community.service.posting import MAX_BODY
from portal.community.settings import MAX_POINTS, SETTING_LABELS
from portal.forms import FormState, ids
from portal.i18n import N_, _, number

MIN_TITLE = 5
MAX_IMAGE_ALT = 200


@dataclass(frozen=True)
class NewTopic:
    category_id: int
    title: str
    body: str


def _body(state: FormState, form: FormData) -> str:
    """The body as typed (line breaks kept: plain text becomes paragraphs)."""
    value = form.get("body", "")
    body = value.strip() if isinstance(value, str) else ""
    state.data["body"] = body
    if not body:
        state.add_error("body", _("Write something: the post is empty."))
    elif len(body) > MAX_BODY:
        state.add_error(
            "body", _("Use at most %(count)s characters.") % {"count": number(MAX_BODY)}
        )
    return body


def _image_alt(state: FormState, form: FormData) -> None:
    """The words that describe an attached image, for those who can't see it."""
    value = form.get("image_alt", "")
    text = value.strip() if isinstance(value, str) else ""
    state.data["image_alt"] = text
    if len(text) > MAX_IMAGE_ALT:
        state.add_error(
            "image_alt", _("Use at most %(count)s characters.") % {"count": MAX_IMAGE_ALT}
        )


def topic_form(form: FormData) -> tuple[FormState, NewTopic | None]:
    state = FormState.of(form, "category", "title")
    body = _body(state, form)
    _image_alt(state, form)
    category_id = state.number("category", minimum=1, message=_("Choose a category."))
    state.require("title", message=N_("Give the topic a title."))
    if state.value("title") and len(state.value("title")) < MIN_TITLE:
        state.add_error(
            "title",
            _("Use at least %(count)s characters for the title.") % {"count": MIN_TITLE},
        )
    state.check_fits("title", Topic.title)
    if not state.ok or category_id is None:
        return state, None
    return state, NewTopic(category_id=category_id, title=state.value("title"), body=body)


def reply_form(form: FormData) -> tuple[FormState, int | None]:
    """The reply's state (its body) and the post it quotes, if any."""
    state = FormState()
    state.keep_hidden(form, "quote")
    _body(state, form)
    _image_alt(state, form)
    quoted = state.number("quote", minimum=1, optional=True) if state.value("quote") else None
    return state, quoted


def category_form(form: FormData) -> tuple[FormState, CategoryValues | None]:
    state = FormState.of(form, "name", "description", "position")
    chosen = ids(form, "groups")
    state.data["groups"] = ",".join(str(group_id) for group_id in sorted(chosen))
    state.require("name", message=N_("Give the category a name."))
    state.check_fits("name", Category.name)
    state.check_fits("description", Category.description)
    position = state.number("position", minimum=0, maximum=1000, optional=True)
    if not state.ok:
        return state, None
    return state, CategoryValues(
        name=state.value("name"),
        description=state.value("description"),
        position=position or 0,
        group_ids=chosen,
    )


def points_form(form: FormData) -> tuple[FormState, dict[str, int] | None]:
    """What each action earns and the daily cap: whole numbers, 0 switching one off."""
    state = FormState.of(form, *SETTING_LABELS)
    values = {
        name: state.number(
            name, minimum=0, maximum=MAX_POINTS, message=_("Enter 0 or more points.")
        )
        for name in SETTING_LABELS
    }
    approve = form.get("approve_first_posts") == "1"
    state.data["approve_first_posts"] = "1" if approve else "0"
    if not state.ok:
        return state, None
    return state, {
        **{name: value or 0 for name, value in values.items()},
        "approve_first_posts": int(approve),
    }


def flag_form(form: FormData) -> FormState:
    state = FormState.of(form, "reason")
    state.require("reason", message=N_("Say what is wrong with the post."))
    state.check_fits("reason", Flag.reason)
    return state


def edit_form(form: FormData) -> FormState:
    state = FormState()
    _body(state, form)
    return state
