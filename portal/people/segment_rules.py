"""The vocabulary of a segment's rules: each kind, the value it takes, and how a rule reads.
Kept with the Group model, since a group's page shows its rules; what each rule means in SQL
is portal.segments.rules."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


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
    RuleKind.COMPANY: Kind("Company contains", ValueType.TEXT),
    RuleKind.JOB_TITLE: Kind("Job title contains", ValueType.TEXT),
    RuleKind.LANGUAGE: Kind("Language is", ValueType.TEXT),
    RuleKind.ROLE: Kind("Has the role", ValueType.TEXT),
    RuleKind.LEVEL: Kind("Has reached the level", ValueType.TEXT),
    RuleKind.LIFETIME_POINTS: Kind("Points earned in all, at least", ValueType.NUMBER),
    RuleKind.POINTS_TO_SPEND: Kind("Points to spend, at least", ValueType.NUMBER),
    RuleKind.EARNED_WITHIN: Kind("Earned points in the last", ValueType.NUMBER, "days", MAX_DAYS),
    RuleKind.QUIET_FOR: Kind("Earned nothing in the last", ValueType.NUMBER, "days", MAX_DAYS),
    RuleKind.JOINED_WITHIN: Kind("Joined in the last", ValueType.NUMBER, "days", MAX_DAYS),
    RuleKind.JOINED_BEFORE: Kind("Joined before", ValueType.DATE),
    RuleKind.REFERRALS_WON: Kind("Referrals won, at least", ValueType.NUMBER),
    RuleKind.NEVER_REFERRED: Kind("Never referred anyone", ValueType.NONE),
}


@dataclass(frozen=True)
class Rule:
    kind: RuleKind
    value: str  # as stored: text, a whole number, an ISO date, a role or a level's name
    exclude: bool = False

    @property
    def text(self) -> str:
        kind = KINDS[self.kind]
        words = " ".join(w for w in (kind.label, self.value, kind.unit) if w)
        return f"Not: {words}" if self.exclude else words

    def stored(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "value": self.value, "exclude": self.exclude}

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> "Rule":
        return cls(RuleKind(data["kind"]), str(data["value"]), bool(data["exclude"]))
