"""Languages: the catalogues under `portal/locale/<lang>/LC_MESSAGES/messages.po`, the language a
request or an email is read in, and gettext for Python strings.

English is the source language: every string is written in English and a catalogue translates
it. The `.po` files are the only thing kept in the repository; each process compiles them in
memory the first time it needs a language (a fresh clone runs without a build step, and a
`.po` edited in place is never shadowed by a stale `.mo`). Fuzzy entries are left out, as
`msgfmt` would.

The language in force is a context variable: the request middleware sets it from the
Accept-Language header, the viewer loader from the person's profile, and email rendering
from the recipient's (`using`). `gettext`, `ngettext` and the template filters read it.
"""

import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from portal.config import ROOT

SOURCE = "en"
LOCALE_DIR = ROOT / "portal" / "locale"
CATALOGUE = "LC_MESSAGES/messages.po"
MAX_ACCEPT_LANGUAGE = 512  # a longer header is someone's experiment; its start still counts

# The program's language until an admin chooses one: PORTAL_LANGUAGE, installed at start (as
# `portal.zones` installs the time zone).
_program_default = SOURCE
_current: ContextVar[str] = ContextVar("portal_language", default=SOURCE)


@cache
def languages() -> tuple[str, ...]:
    """The languages the portal speaks: English and every language with a catalogue."""
    found = {path.parent.parent.name for path in LOCALE_DIR.glob(f"*/{CATALOGUE}")}
    return (SOURCE, *sorted(found - {SOURCE}))


@cache
def language_names() -> tuple[tuple[str, str], ...]:
    """(code, name in that language), for a language choice: ("de", "Deutsch")."""
    return tuple(
        (code, (Locale.parse(code).get_display_name(code) or code).title()) for code in languages()
    )


def match(tag: str) -> str | None:
    """The portal's language for a language tag ("de-AT" → "de"), or None if it has none."""
    tag = tag.strip().replace("_", "-").lower()
    if not tag:
        return None
    for candidate in (tag, tag.split("-")[0]):
        for code in languages():
            if code.lower() == candidate:
                return code
    return None


def from_accept_language(header: str) -> str | None:
    """The first language of an Accept-Language header, by quality, that the portal speaks."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header[:MAX_ACCEPT_LANGUAGE].split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, position, tag))
    for _quality, _position, tag in sorted(ranked):
        found = match(tag)
        if found is not None:
            return found
    return None


def install_default(tag: str) -> None:
    global _program_default
    _program_default = match(tag) or SOURCE


def program_default() -> str:
    return _program_default


def choose(*, own: str = "", accept_language: str = "", program: str = "") -> str:
    """A person's language: their profile's, else their browser's, else the program's."""
    return (
        match(own) or from_accept_language(accept_language) or match(program) or program_default()
    )


def current() -> str:
    return _current.get()


def activate(language: str) -> None:
    """Sets the language for the rest of this request (its context)."""
    _current.set(match(language) or SOURCE)


@contextmanager
def using(language: str) -> Iterator[None]:
    """The language for a block (an email to one recipient), restored after it."""
    token = _current.set(match(language) or SOURCE)
    try:
        yield
    finally:
        _current.reset(token)


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalogue of `language`, built in memory from its `.po` once per process."""
    path = LOCALE_DIR / language / CATALOGUE
    if language == SOURCE or not path.exists():
        return NullTranslations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled)


def load_all() -> None:
    """Compiles every catalogue now (at app and worker start), so a broken `.po` stops the
    start rather than a page."""
    for language in languages():
        translations(language)


def locale() -> Locale:
    """The Babel locale of the language in force (for dates and numbers)."""
    try:
        return Locale.parse(current())
    except (ValueError, UnknownLocaleError):
        return Locale.parse(SOURCE)


def gettext(message: str) -> str:
    return translations(current()).ugettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return translations(current()).ungettext(singular, plural, count)


_ = gettext


def number(value: int | float) -> str:
    """A number as the reader writes it: "4,075" in English, "4.075" in German."""
    return format_decimal(value, locale=locale())


def percent(ratio: float) -> str:
    """A share as the reader writes it, from its fraction: 0.42 → "42%" in English, "42 %" in
    German; a whole share, rounded."""
    return format_percent(ratio, locale=locale())


def day_and_month(moment: date) -> str:
    """ "12 Jan", "12. Jan.": a day of this year, short."""
    return format_date(moment, "d MMM" if current() == SOURCE else "d. MMM", locale=locale())


def in_sentence(label: str) -> str:
    """A label inside a sentence: lower-case in English ("reward updates"), as it is in German,
    whose nouns keep their capitals."""
    return label.lower() if current() == SOURCE else label


def N_(message: str) -> str:
    """Marks a string for the catalogue where it is defined (a class attribute, a table) and
    is translated where it is shown."""
    return message


class RequestLanguage:
    """ASGI middleware: each request starts in its browser's language (else the program
    default's), which the viewer loader narrows to the person's own; the language ends with
    the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = Headers(scope=scope).get("accept-language", "")
        token = _current.set(choose(accept_language=header))
        try:
            await self.app(scope, receive, send)
        finally:
            _current.reset(token)
