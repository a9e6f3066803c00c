"""Sentences the portal writes now and people read later, each in their own language: a
notification's title, a line of the activity feed, the reason on a ledger row.

Such a sentence is stored twice: as English text in its own column (what exports, search and
the audit trail read, and what anything that cannot translate shows) and as its *wording*: the
catalogue message and the values filled into it, as JSON. Reading it renders the wording in the
language in force then (a page's viewer, an email's recipient), with numbers written the
reader's way. Values that are themselves catalogue messages (a stage's name, a badge kind) are
listed in `translated` and translated too; names people gave things (a challenge's title, a
person's name) are filled in as they were written.
"""

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy.ext.hybrid import hybrid_property

from portal import i18n
from portal.db import read_through

Wording = dict[str, Any]


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Marks a singular and plural pair for the catalogue (`make messages` extracts it as
    ngettext's), for a wording read with a count."""
    return singular, plural


def wording(
    message: str | tuple[str, str],
    /,
    *,
    count: int | None = None,
    translated: Collection[str] = (),
    **values: str | int | Wording,
) -> Wording:
    """A sentence to store: `message` is its catalogue text, marked for extraction where it is
    written (`N_`, or `N_plural` for a pair read with `count`), and `values` fill it."""
    found: Wording = {"values": dict(values)}
    if isinstance(message, tuple):
        found |= {"message": message[0], "plural": message[1], "count": count or 0}
    else:
        found["message"] = message
    if translated:
        found["translated"] = sorted(translated)
    return found


def read(stored: Mapping[str, Any] | None, fallback: str) -> str:
    """The sentence in the language in force; `fallback` (the stored English) for a row written
    before wordings were kept, or a wording this version no longer knows how to fill."""
    if not stored or not isinstance(stored.get("message"), str):
        return fallback
    translated = set(stored.get("translated", ()))
    values = {
        name: _value(value, translated=name in translated)
        for name, value in dict(stored.get("values", {})).items()
    }
    plural = stored.get("plural")
    template = (
        i18n.ngettext(stored["message"], plural, int(stored.get("count", 0)))
        if isinstance(plural, str)
        else i18n.gettext(stored["message"])
    )
    try:
        return template % values
    except (KeyError, ValueError, TypeError):
        return fallback


def _value(value: Any, *, translated: bool) -> Any:
    """A value as the reader reads it: a catalogue message translated, a number their way, a
    wording inside a wording ("Taken back: <the award's reason>") read too."""
    if isinstance(value, dict):
        return read(value, "")
    if translated and isinstance(value, str):
        return i18n.gettext(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return i18n.number(value)
    return value


def in_english(stored: Wording) -> str:
    """The sentence as the English column keeps it."""
    with i18n.using(i18n.SOURCE):
        return read(stored, "")


def worded(source: str, stored: str, name: str) -> "hybrid_property[str]":
    """The attribute `name` of a model that keeps the English in the column mapped as `source`
    and the wording in the JSON column `stored`: read in the reader's language."""

    def reader(self: Any) -> str:
        return read(getattr(self, stored), str(getattr(self, source)))

    return read_through(source, name, reader)
