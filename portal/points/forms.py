"""Parsing the adjustment, level, floor level, badge and badge-award forms."""

import re
import uuid
from dataclasses import dataclass

from starlette.datastructures import FormData

from portal.forms import FormState
from portal.i18n import gettext, number
from portal.icons import BADGE_ICONS
from portal.parsing import column_length
from portal.points.models import Badge, LedgerEntry, Level, UserBadge
from portal.points.service.rules import Earning
from portal.points.service.tiers import MAX_MULTIPLIER_PERCENT

# One adjustment, or a level's threshold: far beyond any real program, well within int4.
MAX_POINTS = 10_000_000
MAX_KEY = 80  # the ledger key adds a prefix to it: far within its column
MAX_FLOOR_NOTE = 200  # goes into the audit log's summary


def adjustment_form(form: FormData) -> tuple[FormState, int]:
    state = FormState.of(form, "points", "reason")
    state.keep_hidden(form, "key")
    state.data["counts_toward_lifetime"] = "on" if form.get("counts_toward_lifetime") else ""
    amount = state.number(
        "points",
        minimum=-MAX_POINTS,
        maximum=MAX_POINTS,
        message=gettext("Enter a whole number, like 50 or -20 (at most %(max)s either way).")
        % {"max": number(MAX_POINTS)},
    )
    if amount == 0:
        state.add_error("points", "Enter a number other than zero.")
    state.require(
        "reason", message=gettext("Say why: the advocate sees this in their points history.")
    )
    state.check_fits("reason", LedgerEntry.reason)
    if not state.value("key") or len(state.value("key")) > MAX_KEY:
        state.data["key"] = new_adjustment_key()  # a browser sends ours back
    return state, amount or 0


def new_adjustment_key() -> str:
    """Sent with the form, so a double submit is a replay of the same adjustment."""
    return f"adjust:{uuid.uuid4()}"


@dataclass(frozen=True)
class LevelValues:
    name: str
    min_points: int
    description: str
    multiplier_percent: int
    multiplies: frozenset[Earning]


# "1.2", "x1.2" or "x1.25": at most two decimals.
_MULTIPLIER = re.compile("^[x\u00d7]?\\s*(\\d{1,3})(?:[.,](\\d{1,2}))?$", re.IGNORECASE)


def _multiplier_percent(state: FormState) -> int | None:
    raw = state.value("multiplier") or "1"
    match = _MULTIPLIER.match(raw)
    percent = None
    if match:
        percent = int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))
    if percent is None or not 100 <= percent <= MAX_MULTIPLIER_PERCENT:
        state.add_error(
            "multiplier",
            f"Enter a multiplier from 1 to {MAX_MULTIPLIER_PERCENT // 100}, like 1.2"
            " (1 leaves points as they are).",
        )
        return None
    return percent


def level_form(form: FormData) -> tuple[FormState, LevelValues | None]:
    state = FormState.of(form, "name", "min_points", "description", "multiplier")
    chosen = frozenset(e for e in Earning if form.get(f"multiplies_{e.value}"))
    for earning in Earning:
        state.data[f"multiplies_{earning.value}"] = "on" if earning in chosen else ""
    state.require("name", message=gettext("Give the level a name."))
    state.check_fits("name", Level.name)
    state.check_fits("description", Level.description)
    threshold = state.number(
        "min_points",
        minimum=0,
        maximum=MAX_POINTS,
        message=gettext("Enter the points needed, like 500 (at most %(max)s).")
        % {"max": number(MAX_POINTS)},
    )
    percent = _multiplier_percent(state)
    if percent and percent > 100 and not chosen:
        state.add_error("multiplier", "Choose which points the multiplier applies to.")
    if not state.ok or threshold is None or percent is None:
        return state, None
    return state, LevelValues(
        name=state.value("name"),
        min_points=threshold,
        description=state.value("description"),
        multiplier_percent=percent,
        multiplies=chosen,
    )


def level_data(level: Level) -> dict[str, str]:
    """A level's form as saved, to edit it."""
    data = {
        "name": level.name,
        "min_points": str(level.min_points),
        "description": level.description,
        "multiplier": f"{level.multiplier_percent / 100:g}",
    }
    return data | {
        f"multiplies_{e.value}": "on" if e.value in level.multiplied_sources else ""
        for e in Earning
    }


def floor_form(form: FormData) -> tuple[FormState, int | None]:
    """The level to keep a person at (empty: none) and why."""
    state = FormState.of(form, "level_id", "floor_note")
    state.check_length("floor_note", MAX_FLOOR_NOTE)
    level_id = state.number(
        "level_id", minimum=1, optional=True, message=gettext("Choose a level.")
    )
    return state, level_id


def award_form(form: FormData) -> tuple[FormState, int | None]:
    """The badge to award and a note (longer notes are cut to the column)."""
    state = FormState.of(form, "badge_id", "note")
    state.data["note"] = state.value("note")[: column_length(UserBadge.note)]
    return state, state.number("badge_id", minimum=1, optional=True)


def badge_form(form: FormData) -> FormState:
    state = FormState.of(form, "name", "description", "icon")
    state.require("name", message=gettext("Give the badge a name."))
    state.check_fits("name", Badge.name)
    state.check_fits("description", Badge.description)
    if state.value("icon") not in BADGE_ICONS:
        state.add_error("icon", "Choose the badge's icon.")
    return state
