"""The catalogues are complete and every piece of text a person reads goes through them: text
outside gettext in any template fails."""

import re
from collections.abc import Iterator
from pathlib import Path

import jinja2
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from portal import i18n
from portal.config import ROOT

TEMPLATES = ROOT / "templates"
# Every language whose catalogue must be complete.
COMPLETE = ("de",)
GETTEXT_CALLS = frozenset({"_", "gettext", "ngettext", "pgettext", "npgettext"})
# Attributes a person reads or hears.
READ_ATTRIBUTES = re.compile(
    r'\b(?:placeholder|title|aria-label|alt|aria-description)="([^"]*)"', re.IGNORECASE
)
TAG = re.compile(r"<[^>]*>", re.DOTALL)
ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|\w+);", re.IGNORECASE)
WORD = re.compile(r"[^\W\d_]{2,}")
HOLE = "\x00"  # where an expression or a tag of the template stood


def catalogue(language: str) -> Catalog:
    path = i18n.LOCALE_DIR / language / i18n.CATALOGUE
    with path.open("rb") as source:
        return read_po(source, locale=language)


def source_messages() -> set[str]:
    """Every msgid the code and templates hold now, as `make messages` extracts them."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    return {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords={**DEFAULT_KEYWORDS, "N_plural": (1, 2)}
        )
    }


@pytest.mark.parametrize("language", COMPLETE)
def test_the_catalogue_translates_every_string_and_has_none_fuzzy(language: str) -> None:
    catalog = catalogue(language)
    untranslated = [
        message.id
        for message in catalog
        if message.id
        and (not message.string or (isinstance(message.string, tuple) and not all(message.string)))
    ]
    fuzzy = [message.id for message in catalog if message.id and message.fuzzy]
    assert untranslated == [], f"translate these in {language}"
    assert fuzzy == [], f"check these in {language} and remove their fuzzy flag"
    problems = [(message.id, errors) for message, errors in catalog.check()]
    assert problems == [], "placeholders must match the English"
    known = {message.id if isinstance(message.id, str) else message.id[0] for message in catalog}
    missing = sorted(source_messages() - known)
    assert missing == [], "run `make messages` and translate what it adds"


def _template_text(source: str) -> tuple[str, list[str]]:
    """The template with every expression and statement replaced by a hole (the text between
    `{% trans %}` and `{% endtrans %}` too, being translated), and the string literals inside
    expressions that are not gettext's arguments."""
    environment = jinja2.Environment(extensions=["jinja2.ext.i18n"])  # noqa: S701 (lexed, never rendered)
    parts: list[str] = []
    literals: list[str] = []
    calls: list[str | None] = []  # the function each open parenthesis belongs to
    previous = ""
    in_trans = False  # inside {% trans %}: translated
    in_class = False  # inside {% block main_class %} and the like: class names, not text
    statement: list[str] = []  # the names that open the statement being read
    for _line, kind, value in environment.lex(source):
        if kind == "data":
            parts.append(HOLE if in_trans or in_class else value)
        else:
            parts.append(HOLE)
        if kind == "block_begin":
            statement = []
            continue
        if kind == "name" and len(statement) < 2:
            statement.append(value)
            if statement[0] in ("trans", "endtrans"):
                in_trans = statement[0] == "trans"
            elif statement[0] == "block" and len(statement) == 2:
                in_class = value.endswith("_class")
            elif statement[0] == "endblock":
                in_class = False
        if kind == "operator" and value == "(":
            calls.append(previous if previous in GETTEXT_CALLS else None)
        elif kind == "operator" and value == ")" and calls:
            calls.pop()
        elif kind == "string" and not (calls and calls[-1] is not None):
            literals.append(value[1:-1])  # the lexer keeps the quotes
        previous = value if kind == "name" else ""
    return "".join(parts), literals


def untranslated_text(path: Path) -> Iterator[str]:
    text, literals = _template_text(path.read_text())
    text = re.sub(r"<!--.*?-->", HOLE, text, flags=re.DOTALL)
    for match in READ_ATTRIBUTES.finditer(text):
        if WORD.search(match.group(1).replace(HOLE, " ")):
            yield match.group(0)
    body = TAG.sub(HOLE, text) if path.suffix == ".html" else text
    for chunk in ENTITY.sub(" ", body).split(HOLE):
        if WORD.search(chunk):
            yield chunk.strip()
    for literal in literals:
        # A label ("Display name", "Save") starts with a capital; names of routes, fields,
        # classes and formats do not.
        if literal[:1].isupper() and WORD.search(literal):
            yield repr(literal)


def templates_in(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.suffix in {".html", ".txt"})


def findings(paths: list[Path]) -> dict[str, list[str]]:
    found = {str(p.relative_to(TEMPLATES)): list(untranslated_text(p)) for p in paths}
    return {name: texts for name, texts in found.items() if texts}


def test_text_in_templates_goes_through_gettext() -> None:
    assert findings(templates_in(TEMPLATES)) == {}
