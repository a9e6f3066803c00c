"""Reading a bulk invitation list: which column is which, and what is wrong with a row (the
preview shows it). A column named after a custom profile field (its label, or the label as a
key: customer_since) fills that field, each answer checked as the profile form checks it."""

import csv
import io
import re

from email_validator import EmailNotValidError, validate_email

from portal.forms import MAX_EMAIL
from portal.parsing import INT4_MAX, clean
from portal.people import fields as profile_fields
from portal.people.models import ProfileField

LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
GROUP_SEPARATOR = re.compile(r"[;|]")
COLUMNS = ("email", "name", "company", "job_title", "groups", "language", "points")
HEADER_NAMES = {
    "email": "email",
    "e-mail": "email",
    "email address": "email",
    "name": "name",
    "display name": "name",
    "full name": "name",
    "company": "company",
    "organisation": "company",
    "organization": "company",
    "job title": "job_title",
    "job_title": "job_title",
    "title": "job_title",
    "groups": "groups",
    "group": "groups",
    "language": "language",
    "lang": "language",
    "points": "points",
    "opening points": "points",
    "opening balance": "points",
}
LIMITS = {"name": 120, "company": 200, "job_title": 200, "groups": 500}
FIELD_COLUMN = "field:"  # + the custom field's id, for a column named after the field


def field_headers(fields: list[ProfileField]) -> dict[str, str]:
    """Lower-cased column name → column, for each custom field by its label and by its label
    written as a key ("Customer since" → customer_since); the built-in columns win a clash."""
    headers: dict[str, str] = {}
    for field in fields:
        label = field.label.lower()
        for name in (label, re.sub(r"\W+", "_", label).strip("_")):
            headers.setdefault(name, f"{FIELD_COLUMN}{field.id}")
    return headers | HEADER_NAMES


def read_records(text: str, headers: dict[str, str]) -> list[tuple[int, dict[str, str]]]:
    """(line, fields) for every non-empty row; a first row naming an email column is a header
    that says which column is which (`headers`, by lower-cased name), otherwise the columns
    come in COLUMNS order."""
    rows = [
        (number, [clean(cell).strip() for cell in cells])
        for number, cells in enumerate(csv.reader(io.StringIO(text)), start=1)
        if any(cell.strip() for cell in cells)
    ]
    order: list[str | None] = list(COLUMNS)
    if rows and "email" in {headers.get(cell.lower()) for cell in rows[0][1]}:
        order = [headers.get(cell.lower()) for cell in rows[0][1]]
        rows = rows[1:]
    return [
        (number, {name: cell for name, cell in zip(order, cells, strict=False) if name})
        for number, cells in rows
    ]


def problem_of(fields: dict[str, str], groups: dict[str, int | None]) -> str:
    """What is wrong with the row, or "". `groups`: id by lower-cased name, None for segments."""
    for name, limit in LIMITS.items():
        if len(fields.get(name, "")) > limit:
            return f"The {name.replace('_', ' ')} is longer than {limit} characters."
    email = fields.get("email", "")
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return f"Not a valid email address: {email[:60]!r}." if email else "No email address."
    if len(email) > MAX_EMAIL:
        return "The email address is too long."
    unknown = [g for g in group_names(fields) if g.lower() not in groups]
    if unknown:
        return f"Unknown group: {', '.join(unknown)[:200]}."
    segments = [g for g in group_names(fields) if groups[g.lower()] is None]
    if segments:
        return f"{', '.join(segments)[:200]}: a segment's rules choose its members."
    language = fields.get("language", "")
    if language and (len(language) > 16 or not LANGUAGE_TAG.fullmatch(language)):
        return f"Unknown language {language[:20]!r}: use a code like en, de or pt-BR."
    opening = fields.get("points", "").replace(",", "")
    if opening and not (opening.isascii() and opening.isdigit() and int(opening) <= INT4_MAX):
        return "The opening points must be a whole number, 0 or more."
    return ""


def answers_of(
    fields: dict[str, str], profile: dict[str, ProfileField]
) -> tuple[dict[str, str], str]:
    """The row's custom field answers as kept (by field id), and what is wrong with the first
    one that does not fit its field, or "". An empty cell answers nothing: the person may fill
    in a required field on their profile."""
    answers = {}
    for column, raw in fields.items():
        if not column.startswith(FIELD_COLUMN) or not raw:
            continue
        field = profile[column.removeprefix(FIELD_COLUMN)]
        try:
            answers[str(field.id)] = profile_fields.normalise_answer(field, raw)
        except ValueError as error:
            return {}, f"{field.label}: {error}"
    return answers, ""


def group_ids(groups: dict[str, int | None], names: list[str]) -> set[int]:
    return {id_ for name in names if (id_ := groups[name.lower()]) is not None}


def opening_points(fields: dict[str, str]) -> int:
    return int((fields.get("points") or "0").replace(",", ""))


def group_names(fields: dict[str, str]) -> list[str]:
    return [g.strip() for g in GROUP_SEPARATOR.split(fields.get("groups", "")) if g.strip()]
