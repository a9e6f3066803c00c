"""Parsing an advocate's entry (one form per type) and a marketer's challenge form."""

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from starlette.datastructures import FormData, UploadFile

from portal import parsing, translations, zones
from portal.challenges.models import (
    Approval,
    Challenge,
    ChallengeStatus,
    ChallengeType,
    Submission,
)
from portal.challenges.service import ChallengeValues
from portal.forms import FormState, ids
from portal.i18n import N_, _, gettext


def new_key() -> str:
    """Sent with each entry form, so a double submit finds the submission it already made."""
    return uuid.uuid4().hex


MAX_URL = 500  # a review or event link
MAX_ANSWER = 2000
# Points, caps and limits a marketer types: far beyond any real program, well within int4.
MAX_COUNT = 1_000_000
MAX_FEEDBACK = parsing.column_length(Submission.feedback)
MAX_KEY = parsing.column_length(Submission.request_key)


def _key(form: FormData, state: FormState) -> None:
    state.data["key"] = state.keep_hidden(form, "key")[:MAX_KEY] or new_key()


def entry_form(form: FormData, challenge: Challenge) -> tuple[FormState, dict[str, Any] | None]:
    """The entry for the challenge's type: what was typed, errors per field, and the response
    to store when it is right."""
    kind = ChallengeType(challenge.type)
    if kind == ChallengeType.ANSWER_QUESTIONS:
        return _answers(form, challenge)
    state = FormState.of(form, "proof_url", "text")
    _key(form, state)
    response: dict[str, Any] = {}
    if kind == ChallengeType.ONLINE_REVIEW:
        if not state.value("proof_url"):
            state.add_error("proof_url", _("Paste the link to your published review."))
        else:
            state.url("proof_url", max_length=MAX_URL)
        response = {"proof_url": state.value("proof_url")}
    elif kind == ChallengeType.CUSTOM:
        state.require("text", message=N_("Tell us what you did."))
        state.check_length("text", MAX_ANSWER)
        response = {"text": state.value("text")}
    elif kind == ChallengeType.ATTEND_EVENT:
        response = {"rsvp": True}
    elif kind == ChallengeType.UPLOAD_IMAGE:
        image = form.get("image")
        if not isinstance(image, UploadFile) or not image.filename:
            state.add_error("image", _("Choose a photo or screenshot to upload."))
        state.check_length("text", 500)
        response = {"text": state.value("text")}
    else:
        state.add_error(None, _("This challenge is completed another way."))
    return state, (response if state.ok else None)


def _answers(form: FormData, challenge: Challenge) -> tuple[FormState, dict[str, Any] | None]:
    state = FormState()
    _key(form, state)
    answers = []
    for number, question in enumerate(challenge.questions):
        name = f"q{number}"
        options = list(question.get("options", []))
        if question.get("kind") == "multiple":
            picked = [v for v in form.getlist(name) if isinstance(v, str) and v in options]
            state.data[name] = "\n".join(picked)
            answer: str | list[str] = picked
        else:
            answer = state.data[name] = state.take(form, name)
            if question.get("kind") == "single" and answer and answer not in options:
                state.add_error(name, _("Choose one of the options."))
        if question.get("required") and not answer:
            state.add_error(
                name,
                _("Choose at least one.")
                if question.get("kind") == "multiple"
                else _("Answer this."),
            )
        if isinstance(answer, str):
            state.check_length(name, MAX_ANSWER)
        answers.append({"question": question.get("text", ""), "answer": answer})
    return state, ({"answers": answers} if state.ok else None)


# --- the marketer's challenge form -----------------------------------------------------------

QUESTION_KINDS = {
    "text": N_("Free text"),
    "single": N_("One choice"),
    "multiple": N_("Several choices"),
}
# What each type asks of advocates, for the first step of a new challenge.
TYPE_HINTS = {
    ChallengeType.SHARE_LINK: N_("Share their personal link with a suggested message."),
    ChallengeType.ONLINE_REVIEW: N_("Review you on a site you name, and send the review's link."),
    ChallengeType.ANSWER_QUESTIONS: N_("Answer your questions: free text or choices."),
    ChallengeType.UPLOAD_IMAGE: N_("Upload a photo or screenshot as proof."),
    ChallengeType.ATTEND_EVENT: N_("Come to an event; a marketer confirms who attended."),
    ChallengeType.REFER: N_("Refer someone: done when they submit a referral."),
    ChallengeType.WATCH_VIDEO: N_("Watch a training video to the end."),
    ChallengeType.DOWNLOAD_ASSET: N_("Download or open a content item."),
    ChallengeType.CUSTOM: N_("Do anything you describe, and tell you what they did."),
}
# What a marketer can write in the program's other languages.
TRANSLATED = (
    translations.Field("title", N_("Title"), 120),
    translations.Field("summary", N_("Summary (on the card)"), 300),
    translations.Field("body", N_("What to do"), 5000, long=True),
)
FIELDS = (
    "title",
    "summary",
    "body",
    "type",
    "points",
    "status",
    "starts_at",
    "ends_at",
    "max_per_user",
    "max_total",
    "approval",
    "share_text",
    "review_url",
    "proof_hint",
    "event_at",
    "place",
    "event_link",
    "asset_id",
)


@dataclass
class QuestionRow:
    text: str = ""
    kind: str = "text"
    options: str = ""  # one per line, as typed
    required: bool = True

    @property
    def option_list(self) -> list[str]:
        return [o.strip() for o in self.options.splitlines() if o.strip()]


@dataclass
class ChallengeForm:
    state: FormState
    questions: list[QuestionRow]
    values: ChallengeValues | None = None
    editing_questions: bool = False  # a row was added or removed: show the form again
    changing_type: bool = False  # another type was chosen: show its fields, keep the rest


def _question_rows(form: FormData) -> list[QuestionRow]:
    numbers = sorted(
        int(name.removeprefix("q-text-"))
        for name in form
        if re.fullmatch(r"q-text-[0-9]{1,3}", name)
    )
    rows = []
    for n in numbers:
        kind = str(form.get(f"q-kind-{n}", "text"))
        rows.append(
            QuestionRow(
                text=parsing.clean(str(form.get(f"q-text-{n}", "")).strip()),
                kind=kind if kind in QUESTION_KINDS else "text",
                options=parsing.clean(str(form.get(f"q-options-{n}", "")).strip()),
                required=bool(form.get(f"q-required-{n}")),
            )
        )
    return rows


@dataclass(frozen=True)
class AssetChoice:
    """A content item a watch_video or download_asset challenge can link to."""

    id: int
    title: str
    is_video: bool


def challenge_form(
    form: FormData, assets: Sequence[AssetChoice] = (), *, zone: tzinfo, language: str
) -> ChallengeForm:
    """The marketer's form; the times are typed in `zone`, the marketer's, and the texts in
    `language`, the program's (other languages' texts are its translations)."""
    state = FormState.of(form, *FIELDS)
    translated = translations.read_form(form, state, TRANSLATED, language)
    group_ids = ids(form, "groups")
    state.data["groups"] = ",".join(str(g) for g in sorted(group_ids))
    questions = _question_rows(form)
    action = str(form.get("action", "save"))
    if action == "change_type":
        return ChallengeForm(state, questions or [QuestionRow()], changing_type=True)
    if action == "add_question":
        questions.append(QuestionRow())
        return ChallengeForm(state, questions, editing_questions=True)
    if re.fullmatch(r"remove_question-[0-9]{1,3}", action):
        index = int(action.removeprefix("remove_question-"))
        questions = [q for n, q in enumerate(questions) if n != index]
        return ChallengeForm(state, questions, editing_questions=True)

    state.require("title", message=gettext("Give the challenge a title."))
    state.check_fits("title", Challenge.title)
    state.check_fits("summary", Challenge.summary)
    state.check_length("body", 5000)
    kind = state.value("type")
    if kind not in set(ChallengeType):
        state.add_error("type", "Choose what advocates do.")
    points = state.number(
        "points",
        minimum=1,
        maximum=MAX_COUNT,
        message=gettext("Enter the points it pays, like 50."),
    )
    if state.value("status") not in set(ChallengeStatus):
        state.add_error("status", "Choose draft or published.")
    if state.value("approval") not in set(Approval):
        state.add_error("approval", "Choose how entries are approved.")
    starts_at = state.moment("starts_at", zone=zone)
    ends_at = state.moment("ends_at", zone=zone)
    if starts_at and ends_at and ends_at <= starts_at:
        state.add_error("ends_at", "The end comes after the start.")
    per_user = (
        state.number(
            "max_per_user",
            minimum=1,
            maximum=MAX_COUNT,
            message=gettext("Enter 1 or more."),
            optional=True,
        )
        or 1
    )
    total = state.number(
        "max_total",
        minimum=1,
        maximum=MAX_COUNT,
        message=gettext("Enter a number from 1, or leave it empty."),
        optional=True,
    )
    settings = _type_settings(state, kind, questions, assets, zone)
    if not state.ok or points is None:
        return ChallengeForm(state, questions)
    return ChallengeForm(
        state,
        questions,
        ChallengeValues(
            title=state.value("title"),
            summary=state.value("summary"),
            body=state.value("body"),
            type=ChallengeType(kind),
            points=points,
            status=ChallengeStatus(state.value("status")),
            starts_at=starts_at,
            ends_at=ends_at,
            max_per_user=per_user,
            max_total=total,
            approval=Approval(state.value("approval")),
            settings=settings,
            translations=translated,
            group_ids=group_ids,
        ),
    )


def _type_settings(
    state: FormState,
    kind: str,
    questions: list[QuestionRow],
    assets: Sequence[AssetChoice],
    zone: tzinfo,
) -> dict[str, Any]:
    if kind == ChallengeType.SHARE_LINK:
        state.check_length("share_text", 280)
        return {"share_text": state.value("share_text")}
    if kind == ChallengeType.ONLINE_REVIEW:
        if not state.value("review_url"):
            state.add_error("review_url", "Enter the review site's full link, like https://…")
        state.url("review_url", max_length=MAX_URL)
        return {"review_url": state.value("review_url")}
    if kind in (ChallengeType.CUSTOM, ChallengeType.UPLOAD_IMAGE):
        state.check_length("proof_hint", 200)
        return {"proof_hint": state.value("proof_hint")}
    if kind == ChallengeType.ATTEND_EVENT:
        event_at = state.moment(
            "event_at", zone=zone, message=gettext("Enter when the event starts.")
        )
        if event_at is None:
            state.add_error("event_at", "Enter when the event starts.")
        if not state.value("place") and not state.value("event_link"):
            state.add_error("place", "Say where it happens, or give the link to join.")
        if state.value("event_link"):
            state.url("event_link", max_length=MAX_URL)
        state.check_length("place", 200)
        return {
            # Stored as the UTC instant (ISO 8601 with its offset), shown in each reader's zone.
            "event_at": event_at.isoformat() if event_at else "",
            **{name: state.value(name) for name in ("place", "event_link")},
        }
    if kind == ChallengeType.ANSWER_QUESTIONS:
        return {"questions": _questions(state, questions)}
    if kind in (ChallengeType.WATCH_VIDEO, ChallengeType.DOWNLOAD_ASSET):
        return _asset(state, kind, assets)
    return {}


def _asset(state: FormState, kind: str, assets: Sequence[AssetChoice]) -> dict[str, Any]:
    video = kind == ChallengeType.WATCH_VIDEO
    raw = state.value("asset_id")
    chosen = next((a for a in assets if str(a.id) == raw and a.is_video == video), None)
    if chosen is None:
        state.add_error(
            "asset_id",
            "Choose the training video to watch." if video else "Choose the item to download.",
        )
        return {}
    return {"asset_id": chosen.id, "asset_title": chosen.title}


def _questions(state: FormState, rows: list[QuestionRow]) -> list[dict[str, Any]]:
    questions = []
    for n, row in enumerate(rows):
        if not row.text:
            state.add_error(f"q-text-{n}", "Write the question, or remove this row.")
        if row.kind != "text" and len(row.option_list) < 2:
            state.add_error(f"q-options-{n}", "Give at least two options, one per line.")
        questions.append(
            {
                "text": row.text,
                "kind": row.kind,
                "options": row.option_list if row.kind != "text" else [],
                "required": row.required,
            }
        )
    if not questions:
        state.add_error(None, "Add at least one question.")
    return questions


def form_of(challenge: Challenge, zone: tzinfo) -> ChallengeForm:
    """The form filled with a saved challenge, for editing by someone in `zone`."""
    data = {
        "title": challenge.title_source,
        "summary": challenge.summary_source,
        "body": challenge.body,
        "type": str(challenge.type),
        "points": str(challenge.points),
        "status": str(challenge.status),
        "starts_at": zones.wall_clock(challenge.starts_at, zone),
        "ends_at": zones.wall_clock(challenge.ends_at, zone),
        "max_per_user": str(challenge.max_per_user),
        "max_total": "" if challenge.max_total is None else str(challenge.max_total),
        "approval": str(challenge.approval),
        "groups": ",".join(str(g.group_id) for g in challenge.groups),
        **{k: str(v) for k, v in challenge.settings.items() if k != "questions"},
        "event_at": zones.wall_clock(challenge.event_at, zone),
        **translations.form_data(challenge.translations, TRANSLATED),
    }
    questions = [
        QuestionRow(
            text=q.get("text", ""),
            kind=q.get("kind", "text"),
            options="\n".join(q.get("options", [])),
            required=bool(q.get("required")),
        )
        for q in challenge.questions
    ]
    return ChallengeForm(FormState(data=data), questions)


def new_form(kind: ChallengeType) -> ChallengeForm:
    data = {
        "type": kind.value,
        "points": "50",
        "status": "draft",
        "max_per_user": "1",
        "approval": "auto",
    }
    return ChallengeForm(FormState(data=data), [QuestionRow()])
