"""Parsing the redeem, reward, code pool and fulfilment forms."""

import csv
import io
import uuid

from starlette.datastructures import FormData, UploadFile

from portal import translations
from portal.forms import FormState, ids
from portal.i18n import N_, _, gettext
from portal.parsing import column_length
from portal.rewards.models import Redemption, Reward, RewardKind
from portal.rewards.service import SHIPPING_FIELDS, RewardValues

# What a marketer can write in the program's other languages.
TRANSLATED = (
    translations.Field("title", N_("Title"), 120),
    translations.Field("description", N_("Description"), 2000, long=True),
)
SHIPPING_LABELS = {
    "name": N_("Full name"),
    "street": N_("Street and number"),
    "city": N_("City"),
    "postal_code": N_("Postal code"),
    "country": N_("Country"),
    "phone": N_("Phone (for the courier, optional)"),
}
SHIPPING_ERRORS = {
    "name": N_("Enter your full name."),
    "street": N_("Enter your street and number."),
    "city": N_("Enter your city."),
    "postal_code": N_("Enter your postal code."),
    "country": N_("Enter your country."),
}
REQUIRED_SHIPPING = ("name", "street", "city", "postal_code", "country")
# A cost, a stock or a limit: far beyond any real catalog, well within int4.
MAX_COUNT = 10_000_000
MAX_NOTE = min(column_length(Redemption.tracking_note), column_length(Redemption.reject_reason))


def new_request_key() -> str:
    """Sent with the redeem form, so a double submit finds the redemption it already made."""
    return uuid.uuid4().hex


def redeem_form(form: FormData, *, needs_shipping: bool) -> FormState:
    state = FormState.of(form, *SHIPPING_FIELDS)
    key = state.keep_hidden(form, "key")
    if not key or len(key) > column_length(Redemption.request_key):
        state.data["key"] = new_request_key()  # a browser sends ours back
    if needs_shipping:
        for name in REQUIRED_SHIPPING:
            if not state.value(name):
                state.add_error(name, gettext(SHIPPING_ERRORS[name]))
        for name in SHIPPING_FIELDS:
            state.check_length(name, 200)
    return state


def shipping_of(state: FormState) -> dict[str, str]:
    return {name: state.value(name) for name in SHIPPING_FIELDS}


def _count(state: FormState, name: str, message: str) -> int | None:
    return state.number(name, minimum=0, maximum=MAX_COUNT, message=message, optional=True)


def reward_form(form: FormData, *, language: str) -> tuple[FormState, RewardValues | None]:
    """The marketer's reward form; its texts are in `language`, the program's."""
    state = FormState.of(
        form,
        "title",
        "description",
        "kind",
        "cost",
        "inventory",
        "per_user_limit",
        "cause",
        "required_level_id",
    )
    for flag in ("needs_approval", "is_active", "uses_code_pool", "for_referred_friends"):
        state.data[flag] = "on" if form.get(flag) else ""
    translated = translations.read_form(form, state, TRANSLATED, language)
    group_ids = ids(form, "groups")
    state.data["groups"] = ",".join(str(g) for g in sorted(group_ids))
    state.require("title", message=gettext("Give the reward a name."))
    state.check_fits("title", Reward.title)
    state.check_length("description", 2000)
    state.check_fits("cause", Reward.cause)
    if state.value("kind") not in set(RewardKind):
        state.add_error("kind", "Choose what kind of reward this is.")
    cost = _count(state, "cost", "Enter the cost in points, like 500.")
    if cost is None and "cost" not in state.errors:
        state.add_error("cost", "Enter the cost in points, like 500.")
    elif cost == 0:
        state.add_error("cost", "A reward costs at least one point.")
    inventory = _count(state, "inventory", "Enter how many there are, or leave it empty.")
    limit = _count(state, "per_user_limit", "Enter a number, or leave it empty.")
    if limit == 0:
        state.add_error("per_user_limit", "Leave it empty for no limit, or allow at least one.")
    level_id = state.number(
        "required_level_id",
        minimum=1,
        optional=True,
        message=gettext("Choose a level from the list."),
    )
    if state.value("for_referred_friends") and not state.value("uses_code_pool"):
        state.add_error(None, _("Referred friends get codes: turn on the code pool too."))
    if state.value("kind") == RewardKind.DONATION and not state.value("cause"):
        state.add_error("cause", "Name the cause the points are donated to.")
    if not state.ok:
        return state, None
    return state, RewardValues(
        title=state.value("title"),
        description=state.value("description"),
        translations=translated,
        kind=RewardKind(state.value("kind")),
        cost=cost or 0,
        inventory=inventory,
        per_user_limit=limit,
        needs_approval=bool(state.value("needs_approval")),
        is_active=bool(state.value("is_active")),
        cause=state.value("cause"),
        uses_code_pool=bool(state.value("uses_code_pool")),
        group_ids=group_ids,
        required_level_id=level_id,
        for_referred_friends=bool(state.value("for_referred_friends")),
    )


async def codes_from(form: FormData) -> list[str]:
    """Codes pasted one per line, and/or a CSV file whose first column holds them."""
    lines = str(form.get("codes", "")).splitlines()
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        text = (await upload.read()).decode("utf-8-sig", errors="replace")
        rows = list(csv.reader(io.StringIO(text)))
        if rows and rows[0] and rows[0][0].strip().lower() in {"code", "codes"}:
            rows = rows[1:]
        lines.extend(row[0] for row in rows if row)
    return [line.strip() for line in lines if line.strip()]
