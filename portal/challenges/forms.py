"""Parsing an advocate's entry (one form per type) and a marketer's challenge form."""

import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import FormData

from portal.challenges.models import Challenge, ChallengeType
from portal.forms import FormState

NETWORKS = ("linkedin", "x", "facebook", "email", "copy")


def new_key() -> str:
    """Sent with each entry form, so a double submit finds the submission it already made."""
    return uuid.uuid4().hex


def valid_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and "." in parts.netloc and " " not in value


def _key(form: FormData, state: FormState) -> None:
    key = form.get("key", "")
    state.data["key"] = key.strip()[:80] if isinstance(key, str) and key.strip() else new_key()


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
            state.add_error("proof_url", "Paste the link to your published review.")
        elif not valid_url(state.value("proof_url")):
            state.add_error("proof_url", "Enter a full link, like https://www.g2.com/…")
        state.check_length("proof_url", 500)
        response = {"proof_url": state.value("proof_url")}
    elif kind == ChallengeType.CUSTOM:
        state.require("text", message="Tell us what you did.")
        state.check_length("text", 2000)
        response = {"text": state.value("text")}
    elif kind == ChallengeType.ATTEND_EVENT:
        response = {"rsvp": True}
    else:
        state.add_error(None, "This challenge is completed another way.")
    return state, (response if state.ok else None)


def _answers(form: FormData, challenge: Challenge) -> tuple[FormState, dict[str, Any] | None]:
    state = FormState()
    _key(form, state)
    answers = []
    for number, question in enumerate(challenge.questions):
        name = f"q{number}"
        options = list(question.get("options", []))
        if question.get("kind") == "multiple":
            picked = [str(v) for v in form.getlist(name) if str(v) in options]
            state.data[name] = "\n".join(picked)
            answer: str | list[str] = picked
        else:
            raw = form.get(name, "")
            answer = raw.strip() if isinstance(raw, str) else ""
            state.data[name] = answer
            if question.get("kind") == "single" and answer and answer not in options:
                state.add_error(name, "Choose one of the options.")
        if question.get("required") and not answer:
            state.add_error(
                name,
                "Choose at least one." if question.get("kind") == "multiple" else "Answer this.",
            )
        if isinstance(answer, str) and len(answer) > 2000:
            state.add_error(name, "Use at most 2000 characters.")
        answers.append({"question": question.get("text", ""), "answer": answer})
    return state, ({"answers": answers} if state.ok else None)


def parse_local(value: str) -> datetime | None:
    """A `datetime-local` value, read as UTC (the portal keeps times in UTC)."""
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        return None


def local(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M") if moment else ""
