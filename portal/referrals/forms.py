"""Parsing the referral forms into typed values plus per-field errors, keeping what was typed."""

from datetime import date

from starlette.datastructures import FormData

from portal.forms import FormState
from portal.i18n import N_, _, gettext
from portal.parsing import column_max
from portal.people.attribution import TOUCHES_MAX_AGE
from portal.people.codes import PERSONAL_CODE_LENGTH
from portal.referrals.models import (
    ATTRIBUTION_MODELS,
    PIPELINE,
    Campaign,
    CloseReason,
    Referral,
    Stage,
)
from portal.referrals.service.campaigns import MAX_QUESTIONS, CampaignPlan

PROSPECT_FIELDS = ("name", "email", "company", "job_title", "phone", "note")
SETTINGS_POINTS = tuple(f"points_{stage.value}" for stage in PIPELINE)
ANSWER_LENGTH = 500
ATTRIBUTION_WINDOW_MAX_DAYS = TOUCHES_MAX_AGE.days  # visits are remembered no longer
SETTINGS_TEXT = ("offer_text", "target_domains", "free_mail_domains", "routing_rules")
RECRUIT_BONUSES = (
    "recruit_bonus_joined",
    "recruit_bonus_milestone",
    "recruit_level2_bonus_joined",
    "recruit_level2_bonus_milestone",
)
MAX_RECRUIT_LEVELS = 2  # the bonus reaches the recruiter's recruiter at most, never further


def prospect_form(form: FormData) -> FormState:
    """The refer-a-friend form and the landing page's form share these fields."""
    state = FormState.of(form, *PROSPECT_FIELDS)
    state.require("name", message=N_("Enter the person's name."))
    state.check_email("email")
    if state.errors.get("email") == _("Enter your email address."):
        state.errors["email"] = _("Enter the person's email address.")
    for name, column in (
        ("name", Referral.prospect_name),
        ("email", Referral.prospect_email),
        ("company", Referral.prospect_company),
        ("job_title", Referral.prospect_job_title),
        ("phone", Referral.prospect_phone),
    ):
        state.check_fits(name, column)
    state.check_length("note", 2000)
    return state


def code_field(form: FormData, state: FormState, *, required: bool) -> str:
    """The advocate's personal referral code, as typed (matched in any case); "" when left
    empty where it is optional."""
    state.data["code"] = state.take(form, "code")
    if required:
        state.require("code", message=gettext("Enter the referral code you were given."))
    state.check_length("code", PERSONAL_CODE_LENGTH)
    return state.value("code")


def move_form(form: FormData) -> tuple[FormState, Stage | None, CloseReason | None]:
    state = FormState.of(form, "stage", "reason", "note")
    stage = Stage(state.value("stage")) if state.value("stage") in set(Stage) else None
    reason = (
        CloseReason(state.value("reason")) if state.value("reason") in set(CloseReason) else None
    )
    if stage is None:
        state.add_error("stage", "Choose a stage.")
    elif stage.is_closed and reason is None:
        state.add_error("reason", f"Say why it is {stage.value}.")
    state.check_length("note", 400)
    return state, stage, reason


def deal_form(form: FormData) -> tuple[FormState, int | None]:
    state = FormState.of(form, "deal_value")
    value = state.number(
        "deal_value",
        minimum=0,
        maximum=column_max(Referral.deal_value),
        message=gettext("Enter the deal value as a whole number, like 12000."),
        optional=True,
    )
    return state, value


def owner_form(form: FormData) -> tuple[FormState, int | None]:
    """The rep to assign; empty (or not a rep's id) leaves the referral unassigned."""
    state = FormState.of(form, "owner_id")
    return state, state.number("owner_id", minimum=1, optional=True)


def note_form(form: FormData) -> FormState:
    state = FormState.of(form, "body")
    state.require("body", message=gettext("Write the note first."))
    state.check_length("body", 4000)
    return state


def settings_form(form: FormData) -> tuple[FormState, dict[str, int | str]]:
    state = FormState.of(
        form,
        *SETTINGS_POINTS,
        *SETTINGS_TEXT,
        "stale_after_days",
        "burst_limit",
        "burst_minutes",
        "attribution_model",
        "attribution_window_days",
        "friend_reward_stage",
        "friend_offer",
        "recruit_milestone_points",
        "recruit_levels",
        *RECRUIT_BONUSES,
    )
    values: dict[str, int | str] = {}
    _friend_and_recruit_settings(state, values)
    # Left empty, the attribution settings keep their current values.
    model = state.value("attribution_model")
    if model and model not in {choice.value for choice in ATTRIBUTION_MODELS}:
        state.add_error("attribution_model", _("Choose last click or first click."))
    elif model:
        values["attribution_model"] = model
    window = state.number(
        "attribution_window_days",
        minimum=1,
        maximum=ATTRIBUTION_WINDOW_MAX_DAYS,
        message=gettext("Enter a number of days from 1 to %(max)s.")
        % {"max": ATTRIBUTION_WINDOW_MAX_DAYS},
        optional=True,
    )
    if window is not None:
        values["attribution_window_days"] = window
    for name in SETTINGS_POINTS:
        points = state.number(
            name,
            minimum=0,
            maximum=1_000_000,
            message=gettext("Enter a whole number of points from 0 to 1,000,000."),
        )
        if points is not None:
            values[name] = points
    days = state.number(
        "stale_after_days",
        minimum=1,
        maximum=365,
        message=gettext("Enter a number of days from 1 to 365."),
    )
    if days is not None:
        values["stale_after_days"] = days
    # Left empty, the fraud-check numbers keep their current values.
    burst = state.number(
        "burst_limit",
        minimum=1,
        maximum=1000,
        message=gettext("Enter a number of referrals from 1 to 1,000."),
        optional=True,
    )
    if burst is not None:
        values["burst_limit"] = burst
    minutes = state.number(
        "burst_minutes",
        minimum=1,
        maximum=10_080,
        message=gettext("Enter a number of minutes from 1 to 10,080 (a week)."),
        optional=True,
    )
    if minutes is not None:
        values["burst_minutes"] = minutes
    state.check_length("offer_text", 300)
    for name in ("target_domains", "free_mail_domains", "routing_rules"):
        state.check_length(name, 5000)
    for line in state.value("routing_rules").splitlines():
        if line.strip() and "=" not in line:
            state.add_error(
                "routing_rules",
                _("Write each rule as “domain = rep's email”: %(line)s") % {"line": line},
            )
            break
    for name in SETTINGS_TEXT:
        values[name] = state.value(name)
    return state, values


def _friend_and_recruit_settings(state: FormState, values: dict[str, int | str]) -> None:
    """The friend's welcome reward and the recruiting bonuses; left empty, each keeps its
    current value."""
    stage = state.value("friend_reward_stage")
    if stage not in {"off", *(s.value for s in PIPELINE), ""}:
        state.add_error("friend_reward_stage", _("Choose when the friend gets their reward."))
    elif stage:
        values["friend_reward_stage"] = "" if stage == "off" else stage
    state.check_length("friend_offer", 300)
    values["friend_offer"] = state.value("friend_offer")
    for name in RECRUIT_BONUSES:
        bonus = state.number(
            name,
            minimum=0,
            maximum=1_000_000,
            message=_("Enter a whole number of points from 0 to 1,000,000."),
            optional=True,
        )
        if bonus is not None:
            values[name] = bonus
    milestone = state.number(
        "recruit_milestone_points",
        minimum=0,
        maximum=1_000_000,
        message=_("Enter 0 (their first won referral) or a number of points up to 1,000,000."),
        optional=True,
    )
    if milestone is not None:
        values["recruit_milestone_points"] = milestone
    levels = state.number(
        "recruit_levels",
        minimum=1,
        maximum=MAX_RECRUIT_LEVELS,
        message=_("Choose one level or two."),
        optional=True,
    )
    if levels is not None:
        values["recruit_levels"] = levels


CAMPAIGN_BONUSES = tuple(f"bonus_{stage.value}" for stage in PIPELINE)
QUESTION_LENGTH = 200


def _day(state: FormState, name: str, *, message: str) -> date | None:
    if not state.value(name):
        return None
    try:
        return date.fromisoformat(state.value(name))
    except ValueError:
        state.add_error(name, message)
        return None


def campaign_form(form: FormData) -> tuple[FormState, CampaignPlan | None]:
    """A campaign's name, days, bonus points per stage and extra questions."""
    state = FormState.of(form, "name", "starts_on", "ends_on", "questions", *CAMPAIGN_BONUSES)
    state.require("name", message=gettext("Name the campaign."))
    state.check_fits("name", Campaign.name)
    date_message = _("Enter a date like 2026-12-31.")
    starts_on = _day(state, "starts_on", message=date_message)
    if starts_on is None and "starts_on" not in state.errors:
        state.add_error("starts_on", _("Enter the day the campaign starts, like 2026-12-31."))
    ends_on = _day(state, "ends_on", message=date_message)
    if starts_on and ends_on and ends_on < starts_on:
        state.add_error("ends_on", _("The campaign must end on or after the day it starts."))
    bonuses: dict[str, int] = {}
    for name in CAMPAIGN_BONUSES:
        points = state.number(
            name,
            minimum=0,
            maximum=1_000_000,
            message=gettext(
                "Enter a whole number of points from 0 to 1,000,000, or leave it empty."
            ),
            optional=True,
        )
        if points:
            bonuses[name.removeprefix("bonus_")] = points
    questions = [line.strip() for line in state.value("questions").splitlines() if line.strip()]
    if len(questions) > MAX_QUESTIONS:
        state.add_error(
            "questions", _("Ask at most %(number)s extra questions.") % {"number": MAX_QUESTIONS}
        )
    elif any(len(question) > QUESTION_LENGTH for question in questions):
        state.add_error(
            "questions",
            _("Keep each question under %(number)s characters.") % {"number": QUESTION_LENGTH},
        )
    if not state.ok or starts_on is None:
        return state, None
    plan = CampaignPlan(
        name=state.value("name"),
        starts_on=starts_on,
        ends_on=ends_on,
        bonus_points=bonuses,
        questions="\n".join(questions),
    )
    return state, plan


def answers_form(form: FormData, state: FormState, questions: list[str]) -> dict[str, str]:
    """A campaign's extra questions on the landing form (fields `answer_1`, `answer_2`, …), all
    optional, keyed by the question as it was asked."""
    answers = {}
    for number, question in enumerate(questions, start=1):
        name = f"answer_{number}"
        state.data[name] = state.take(form, name)
        state.check_length(name, ANSWER_LENGTH)
        answers[question] = state.value(name)
    return answers
