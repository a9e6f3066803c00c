"""Settings a domain keeps as program settings under a prefix of its own (`points.`, `trust.`,
`referrals.`): a section is a frozen dataclass whose fields are the keys after the prefix, with
its defaults where no row has been stored."""

from dataclasses import asdict, fields, replace
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.people.models import User
from portal.program.models import ProgramSetting
from portal.program.service import store_changes

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Section = TypeVar("Section", bound="DataclassInstance")


async def read_section(session: AsyncSession, section: type[Section], *, prefix: str) -> Section:
    """The section's stored values (stored as text, read as each field's type: `int` or
    `str`), its defaults for the rest; rows of fields the section no longer has are ignored."""
    rows = await session.scalars(
        select(ProgramSetting).where(ProgramSetting.key.startswith(prefix))
    )
    types = {field.name: field.type for field in fields(section)}
    values: dict[str, Any] = {}
    for row in rows:
        name = row.key.removeprefix(prefix)
        if name in types:
            values[name] = int(row.value) if types[name] in (int, "int") else row.value
    return section(**values)


async def store_section(
    session: AsyncSession,
    before: Section,
    changes: dict[str, Any],
    *,
    actor: User,
    prefix: str,
    action: str,
    summary: str,
) -> Section:
    """Writes the changed fields and one audit row naming them; the section as it now is."""
    after = replace(before, **changes)
    await store_changes(
        session,
        actor=actor,
        before=asdict(before),
        after=asdict(after),
        prefix=prefix,
        action=action,
        summary=summary,
    )
    return after
