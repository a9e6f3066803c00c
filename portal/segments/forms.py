"""Parsing the segment form: a name, a description and numbered rule rows (kind, value,
include or exclude); a row without a kind is an unused row."""

from datetime import date

from starlette.datastructures import FormData

from portal.forms import FormState
from portal.i18n import gettext
from portal.people.fields import normalise_answer
from portal.people.models import Group, ProfileField, Role
from portal.people.segment_rules import FIELD_RULES, KINDS, Rule, RuleKind, ValueType, field_choice

MAX_RULES = 12
BLANK_ROWS = 3  # empty rows offered after the rules so far (no script needed to add one)


def segment_form(
    form: FormData, *, levels: list[str], fields: list[ProfileField]
) -> tuple[FormState, list[Rule]]:
    state = FormState.of(form, "name", "description")
    state.require("name", message=gettext("Give the segment a name."))
    state.check_fits("name", Group.name)
    state.check_fits("description", Group.description)
    rules = []
    for row in range(MAX_RULES):
        kind_name = state.take(form, f"rule-{row}-kind")
        value = state.take(form, f"rule-{row}-value")
        exclude = state.take(form, f"rule-{row}-mode") == "exclude"
        state.data.update(
            {
                f"rule-{row}-kind": kind_name,
                f"rule-{row}-value": value,
                f"rule-{row}-mode": "exclude" if exclude else "include",
            }
        )
        if not kind_name:
            continue
        field_rule = _field_rule(kind_name, fields)
        if field_rule is not None:
            kind, field = field_rule
            problem, value = _checked_answer(field, value)
            if problem:
                state.add_error(f"rule-{row}-value", problem)
            else:
                rules.append(Rule(kind, value, exclude, field.id, field.label))
            continue
        if kind_name not in set(RuleKind) or RuleKind(kind_name).on_field:
            state.add_error(f"rule-{row}-kind", "Choose a rule from the list.")
            continue
        kind = RuleKind(kind_name)
        problem, value = _checked(kind, value, levels)
        if problem:
            state.add_error(f"rule-{row}-value", problem)
        else:
            rules.append(Rule(kind, value, exclude))
    if state.ok and not any(not rule.exclude for rule in rules):
        state.add_error(None, "Add at least one rule that includes people.")
    return state, rules


def field_choices(fields: list[ProfileField]) -> list[tuple[str, str]]:
    """The rule menu's options on custom fields: ("field_is:3", "Region is")."""
    return [
        (field_choice(kind, field.id), f"{field.label} {KINDS[kind].label}")
        for field in fields
        for kind in FIELD_RULES[field.kind]
    ]


def _field_rule(kind_name: str, fields: list[ProfileField]) -> tuple[RuleKind, ProfileField] | None:
    """The kind and field of a custom field's option, None for another rule (or a field since
    deleted, which the form then refuses as not in the list)."""
    for field in fields:
        for kind in FIELD_RULES[field.kind]:
            if kind_name == field_choice(kind, field.id):
                return kind, field
    return None


def _checked_answer(field: ProfileField, value: str) -> tuple[str, str]:
    """A field rule's value checked as an answer to that field would be, and kept the same
    way (so "1,000" and "1000" match the same people)."""
    if not value:
        return "Fill in a value for this rule.", value
    try:
        return "", normalise_answer(field, value)
    except ValueError as error:
        return str(error), value


def _checked(kind: RuleKind, value: str, levels: list[str]) -> tuple[str, str]:
    """(problem, value as stored)."""
    value_type = KINDS[kind].value_type
    if value_type == ValueType.NONE:
        return "", ""
    if not value:
        return "Fill in a value for this rule.", value
    if len(value) > 200:
        return "Use at most 200 characters.", value
    if value_type == ValueType.NUMBER:
        digits = value.replace(",", "")
        if not (digits.isascii() and digits.isdigit()):
            return "Enter a whole number, 0 or more.", value
        if int(digits) > KINDS[kind].maximum:
            return f"Use at most {KINDS[kind].maximum:,}.", value
        return "", str(int(digits))
    if value_type == ValueType.DATE:
        try:
            return "", date.fromisoformat(value).isoformat()
        except ValueError:
            return "Enter a date like 2026-01-31.", value
    if kind == RuleKind.ROLE:
        roles = {role.value: role for role in Role} | {role.label.lower(): role for role in Role}
        role = roles.get(value.lower())
        names = ", ".join(role.label for role in Role)
        return ("", role.value) if role else (f"Use one of the roles: {names}.", value)
    if kind == RuleKind.LEVEL:
        named = {level.lower(): level for level in levels}
        level = named.get(value.lower())
        return ("", level) if level else (f"Use one of the levels: {', '.join(levels)}.", value)
    return "", value


def filled(group: Group) -> FormState:
    """The form as a saved segment fills it."""
    state = FormState(data={"name": group.name, "description": group.description})
    for row, rule in enumerate(group.rules):
        kind = rule["kind"]
        state.data.update(
            {
                f"rule-{row}-kind": f"{kind}:{rule['field']}" if "field" in rule else kind,
                f"rule-{row}-value": rule["value"],
                f"rule-{row}-mode": "exclude" if rule["exclude"] else "include",
            }
        )
    return state


def rows_to_show(state: FormState) -> int:
    used = max((row + 1 for row in range(MAX_RULES) if state.value(f"rule-{row}-kind")), default=0)
    return min(MAX_RULES, used + BLANK_ROWS)
