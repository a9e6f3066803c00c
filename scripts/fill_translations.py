"""Fills a language's catalogue from its compendium: every entry of
portal/locale/<lang>/LC_MESSAGES/messages.po that is empty or fuzzy and whose msgid the
compendium portal/locale/<lang>/staff.po translates gets that translation (and loses the fuzzy
flag). Run it after `make messages` when a merge or an extraction left staff strings empty:

    .venv/bin/python scripts/fill_translations.py de

The compendium keeps the staff pages' translations apart from the shared catalogue, so a
conflict in messages.po is resolved by taking either side and running this again.
"""

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "portal" / "locale"
DATED = ('"POT-Creation-Date: ', '"PO-Revision-Date: ')


def _read(path: Path, language: str) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=language)


def _translated(message_string: object) -> bool:
    strings = message_string if isinstance(message_string, tuple) else (message_string,)
    return all(strings)


def fill(language: str) -> int:
    catalogue_path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    catalogue = _read(catalogue_path, language)
    compendium = _read(LOCALE_DIR / language / "staff.po", language)
    filled = 0
    for message in catalogue:
        if not message.id or (_translated(message.string) and not message.fuzzy):
            continue
        known = compendium.get(message.id)
        if known is not None and _translated(known.string):
            message.string = known.string
            message.flags.discard("fuzzy")
            message.previous_id = []
            filled += 1
    written = io.BytesIO()
    # The same shape `make messages` writes: sorted, no locations, no wrapping, no dates.
    write_po(written, catalogue, width=0, sort_output=True, no_location=True)
    lines = written.getvalue().decode().splitlines(keepends=True)
    catalogue_path.write_text("".join(line for line in lines if not line.startswith(DATED)))
    return filled


if __name__ == "__main__":
    for code in sys.argv[1:] or ["de"]:
        print(f"{code}: {fill(code)} entries filled")
