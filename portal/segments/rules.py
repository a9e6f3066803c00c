"""The rules a segment can have: each kind, what value it takes, and the SQL condition on a
person it becomes. Include rules must all match; an exclude rule that matches wins."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    case,
    cast,
    exists,
    func,
    not_,
    or_,
    select,
)

from portal.people.models import ProfileValue, Role, User, UserRole, UserStatus
from portal.people.segment_rules import KINDS, Rule, RuleKind, ValueType
from portal.points.models import Balance, Level
from portal.referrals.models import Referral, Stage


def _contains(column: Any, text: str) -> ColumnElement[bool]:
    return func.lower(column).contains(text.lower(), autoescape=True)


def _balance(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(Balance.user_id == User.id, condition)


def _answer(rule: Rule) -> ColumnElement[bool]:
    """A custom field's rule: the person's answer to that field meets it. Answers are kept
    normalised (a number as its digits, a date as YYYY-MM-DD, and a field's kind never changes
    once answered), so dates compare as text and numbers cast; the CASE casts only this field's
    answers whatever order the database checks the conditions in."""
    answer = ProfileValue.value
    number = case((ProfileValue.field_id == rule.field_id, cast(answer, BigInteger)))
    meets: ColumnElement[bool]
    match rule.kind:
        case RuleKind.FIELD_EQUALS:
            meets = func.lower(answer) == rule.value.lower()
        case RuleKind.FIELD_CONTAINS:
            meets = _contains(answer, rule.value)
        case RuleKind.FIELD_IS:
            meets = answer == rule.value
        case RuleKind.FIELD_AT_LEAST:
            meets = number >= int(rule.value)
        case RuleKind.FIELD_AT_MOST:
            meets = number <= int(rule.value)
        case RuleKind.FIELD_BEFORE:
            meets = answer < rule.value
        case _:  # FIELD_AFTER
            meets = answer > rule.value
    return exists().where(
        ProfileValue.user_id == User.id, ProfileValue.field_id == rule.field_id, meets
    )


def condition(rule: Rule, now: datetime) -> ColumnElement[bool]:
    """The rule as a condition on `User` (values were checked by the form)."""
    value = rule.value
    number = int(value) if KINDS[rule.kind].value_type == ValueType.NUMBER else 0
    match rule.kind:
        case RuleKind.COMPANY:
            return _contains(User.company, value)
        case RuleKind.JOB_TITLE:
            return _contains(User.job_title, value)
        case RuleKind.LANGUAGE:  # "pt" matches "pt-BR"
            language = func.lower(User.language)
            return or_(language == value.lower(), language.startswith(value.lower() + "-"))
        case RuleKind.ROLE:
            return exists().where(UserRole.user_id == User.id, UserRole.role == value)
        case RuleKind.LEVEL:
            # Reached by lifetime points, or kept at it or above by a floor (tiers.py).
            minimum = select(Level.min_points).where(Level.name == value).scalar_subquery()
            floors = select(Level.id).where(Level.min_points >= minimum)
            return _balance(or_(Balance.lifetime >= minimum, Balance.floor_level_id.in_(floors)))
        case RuleKind.LIFETIME_POINTS:
            return _balance(Balance.lifetime >= number)
        case RuleKind.POINTS_TO_SPEND:
            return _balance(Balance.current >= number)
        case RuleKind.EARNED_WITHIN:
            return _balance(Balance.last_earned_at >= now - timedelta(days=number))
        case RuleKind.QUIET_FOR:
            return not_(_balance(Balance.last_earned_at >= now - timedelta(days=number)))
        case RuleKind.JOINED_WITHIN:
            return User.created_at >= now - timedelta(days=number)
        case RuleKind.JOINED_BEFORE:
            return User.created_at < datetime.combine(date.fromisoformat(value), time(), UTC)
        case RuleKind.REFERRALS_WON:
            won = (
                select(func.count())
                .where(Referral.referrer_id == User.id, Referral.stage == Stage.WON)
                .scalar_subquery()
            )
            return won >= number
        case RuleKind.NEVER_REFERRED:
            return not_(exists().where(Referral.referrer_id == User.id))
        case _:
            return _answer(rule)


def members_query(rules: list[Rule], now: datetime) -> Select[int]:
    """The ids of the advocates (active or invited) the rules match."""
    advocate = exists().where(UserRole.user_id == User.id, UserRole.role == Role.ADVOCATE)
    query = select(User.id).where(
        User.status.in_([UserStatus.ACTIVE, UserStatus.INVITED]),
        advocate,
        *(condition(rule, now) for rule in rules if not rule.exclude),
    )
    excluded = [condition(rule, now) for rule in rules if rule.exclude]
    return query.where(not_(or_(*excluded))) if excluded else query
