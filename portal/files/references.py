"""Which columns name stored files. A model marks such a column with `info=stored_file()` (or
`stored_file("image")` for a key of a JSON column); the sweep finds them in the metadata, so
this layer imports no domain and a new domain's files are kept by declaring them."""

from typing import Any

from sqlalchemy import ColumnElement, Table, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.db import Base

STORED_FILE = "stored_file"


def stored_file(json_key: str = "") -> dict[str, Any]:
    """The `info` of a column that holds a storage name (or a JSON column whose `json_key`
    does)."""
    return {STORED_FILE: json_key}


def file_references() -> list[tuple[Table, ColumnElement[Any]]]:
    """Every (table, expression) that may hold a storage name, from the declared columns."""
    references: list[tuple[Table, ColumnElement[Any]]] = []
    for table in Base.metadata.tables.values():
        for column in table.columns:
            if STORED_FILE in column.info:
                key = column.info[STORED_FILE]
                references.append((table, column[key].as_string() if key else column))
    return references


async def stored_file_is_orphaned(session: AsyncSession, name: str) -> bool:
    """True when no declared column points at the file any more (the delete job and the
    nightly sweep ask before deleting)."""
    references = file_references()
    if not references:  # models not imported: never guess that a file is unused
        return False
    for table, expression in references:
        used = await session.scalar(
            select(literal(1)).select_from(table).where(expression == name).limit(1)
        )
        if used is not None:
            return False
    return True
