"""Marketers' own words in several languages: a challenge's title, a reward's description, an
email's opening paragraph.

The column keeps the text as the marketer wrote it, in the program's language; a `translations`
JSON column keeps the other languages (`{"de": {"title": "…"}}`). Reading the attribute gives the
reader's language (the one in force: a page's viewer, an email's recipient), falling back to the
column where that language has no text; writing it writes the column. Queries use the column,
so search and ordering read the program's language. Staff forms read and write `<name>_source`
and the translations, never the reader's view (a German-speaking marketer editing a challenge
edits its source, not its German title).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column
from starlette.datastructures import FormData

from portal import i18n
from portal.db import read_through
from portal.forms import FormState
from portal.sanitize import clean_html

Translations = dict[str, dict[str, str]]


class Translatable:
    """A model whose texts can be read in other languages than the one they were written in."""

    translations: Mapped[Translations] = mapped_column(JSON, default=dict)


def translated(source: str, name: str) -> "hybrid_property[str]":
    """The attribute `name` for a model whose column is mapped as `source`."""

    def read(self: Any) -> str:
        text = (self.translations or {}).get(i18n.current(), {}).get(name)
        return text if text else str(getattr(self, source))

    return read_through(source, name, read)


@dataclass(frozen=True)
class Field:
    """One translatable field of a staff form: its name, label, length and whether it is long."""

    name: str
    label: str
    maximum: int
    long: bool = False


def targets(source_language: str) -> list[tuple[str, str]]:
    """(code, name) of each language a text written in `source_language` can be translated to."""
    source = i18n.match(source_language) or i18n.SOURCE
    return [(code, name) for code, name in i18n.language_names() if code != source]


def input_name(language: str, field: str) -> str:
    return f"tr-{language}-{field}"


def read_form(
    form: FormData, state: FormState, fields: Sequence[Field], source_language: str
) -> Translations:
    """The translations typed on a staff form, kept in `state` for the page shown again; a text
    that is too long is an error on its field. Empty fields are no translation (the reader gets
    the source)."""
    found: Translations = {}
    for language, _name in targets(source_language):
        for field in fields:
            key = input_name(language, field.name)
            state.data[key] = state.take(form, key)
            state.check_length(key, field.maximum)
            if state.value(key):
                found.setdefault(language, {})[field.name] = state.value(key)
    return found


def with_html(found: Translations, html: Mapping[str, str]) -> Translations:
    """The translations to store: each rich-text field as typed (for the form) and cleaned by
    the one sanitizer under its stored name (`{"body": "body_html"}`), for readers."""
    return {
        language: {
            **texts,
            **{
                stored: clean_html(texts[typed]) for typed, stored in html.items() if typed in texts
            },
        }
        for language, texts in found.items()
    }


def form_data(
    translations: Mapping[str, Mapping[str, str]] | None, fields: Sequence[Field]
) -> dict[str, str]:
    """A saved model's translations as the fields of its staff form."""
    names = {field.name for field in fields}
    return {
        input_name(language, name): text
        for language, texts in (translations or {}).items()
        for name, text in texts.items()
        if name in names
    }
