"""The vocabulary of a segment's rules: each kind, the value it takes, and how a rule reads.
Kept with the Group model, since a group's page shows its rules; what each rule means in SQL
is portal.segments.rules."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from portal.i18n import N_


class RuleKind(StrEnum):
    COMPANY = "company"
    JOB_TITLE = "job_title"
    LANGUAGE = "language"
    ROLE = "role"
    LEVEL = "level"
    LIFETIME_POINTS = "lifetime_points"
    POINTS_TO_SPEND = "points_to_spend"
    EARNED_WITHIN = "earned_within"
    QUIET_FOR = "quiet_for"
    JOINED_WITHIN = "joined_within"
    JOINED_BEFORE = "joined_before"
    REFERRALS_WON = "referrals_won"
    NEVER_REFERRED = "never_referred"
    # On a custom profile field (the rule names the field): which apply depends on its kind.
    FIELD_EQUALS = "field_equals"
    FIELD_CONTAINS = "field_contains"
    FIELD_IS = "field_is"
    FIELD_AT_LEAST = "field_at_least"
    FIELD_AT_MOST = "field_at_most"
    FIELD_BEFORE = "field_before"
    FIELD_AFTER = "field_after"

    @property
    def on_field(self) -> bool:
        return self.value.startswith("field_")


MAX_DAYS = 36_500


class ValueType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    NONE = "none"


@dataclass(frozen=True)
class Kind:
    label: str  # reads before the value: "Company contains" "Acme"
    value_type: ValueType
    unit: str = ""
    maximum: int = 10**9  # a number's bound; days stay within a century (dates must exist)


KINDS: dict[RuleKind, Kind] = {
    RuleKind.COMPANY: Kind(N_("Company contains"), ValueType.TEXT),
    RuleKind.JOB_TITLE: Kind(N_("Job title contains"), ValueType.TEXT),
    RuleKind.LANGUAGE: Kind(N_("Language is"), ValueType.TEXT),
    RuleKind.ROLE: Kind(N_("Has the role"), ValueType.TEXT),
    RuleKind.LEVEL: Kind(N_("Has reached the level"), ValueType.TEXT),
    RuleKind.LIFETIME_POINTS: Kind(N_("Points earned in all, at least"), ValueType.NUMBER),
    RuleKind.POINTS_TO_SPEND: Kind(N_("Points to spend, at least"), ValueType.NUMBER),
    RuleKind.EARNED_WITHIN: Kind(
        N_("Earned points in the last"), ValueType.NUMBER, N_("days"), MAX_DAYS
    ),
    RuleKind.QUIET_FOR: Kind(
        N_("Earned nothing in the last"), ValueType.NUMBER, N_("days"), MAX_DAYS
    ),
    RuleKind.JOINED_WITHIN: Kind(N_("Joined in the last"), ValueType.NUMBER, N_("days"), MAX_DAYS),
    RuleKind.JOINED_BEFORE: Kind(N_("Joined before"), ValueType.DATE),
    RuleKind.REFERRALS_WON: Kind(N_("Referrals won, at least"), ValueType.NUMBER),
    RuleKind.NEVER_REFERRED: Kind(N_("Never referred anyone"), ValueType.NONE),
    # A field rule reads "<field label> <label>": "Industry contains" "retail".
    RuleKind.FIELD_EQUALS: Kind(N_("is exactly"), ValueType.TEXT),
    RuleKind.FIELD_CONTAINS: Kind(N_("contains"), ValueType.TEXT),
    RuleKind.FIELD_IS: Kind(N_("is"), ValueType.TEXT),
    RuleKind.FIELD_AT_LEAST: Kind(N_("is at least"), ValueType.NUMBER),
    RuleKind.FIELD_AT_MOST: Kind(N_("is at most"), ValueType.NUMBER),
    RuleKind.FIELD_BEFORE: Kind(N_("is before"), ValueType.DATE),
    RuleKind.FIELD_AFTER: Kind(N_("is after"), ValueType.DATE),
}
# The rules each kind of custom field offers (FieldKind's values).
FIELD_RULES: dict[str, tuple[RuleKind, ...]] = {
    "text": (RuleKind.FIELD_EQUALS, RuleKind.FIELD_CONTAINS),
    "choice": (RuleKind.FIELD_IS,),
    "number": (RuleKind.FIELD_AT_LEAST, RuleKind.FIELD_AT_MOST),
    "date": (RuleKind.FIELD_BEFORE, RuleKind.FIELD_AFTER),
}


def field_choice(kind: RuleKind, field_id: int) -> str:
    """A field rule's option in the rule menu: its kind and the field, "field_is:3"."""
    return f"{kind.value}:{field_id}"


@dataclass(frozen=True)
class Rule:
    kind: RuleKind
    value: str  # as stored: text, a whole number, an ISO date, a role or a level's name
    exclude: bool = False
    field_id: int | None = None  # a custom profile field's rule: which field
    field_label: str = ""  # its label when the rule was saved, to read the rule back

    @property
    def text(self) -> str:
        kind = KINDS[self.kind]
        label = f"{self.field_label} {kind.label}" if self.kind.on_field else kind.label
        words = " ".join(w for w in (label, self.value, kind.unit) if w)
        return f"Not: {words}" if self.exclude else words

    def stored(self) -> dict[str, Any]:
        stored: dict[str, Any] = {
            "kind": self.kind.value,
            "value": self.value,
            "exclude": self.exclude,
        }
        if self.field_id is not None:
            stored |= {"field": self.field_id, "field_label": self.field_label}
        return stored

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> "Rule":
        field_id = data.get("field")
        return cls(
            RuleKind(data["kind"]),
            str(data["value"]),
            bool(data["exclude"]),
            None if field_id is None else int(field_id),
            str(data.get("field_label", "")),
        )
