"""People's names for report rows, read in bounded chunks (a report may name thousands)."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.people.models import User

CHUNK = 5_000  # bound the number of parameters per query


async def names_of(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    names: dict[int, str] = {}
    id_list = sorted(ids)
    for start in range(0, len(id_list), CHUNK):
        rows = await session.execute(
            select(User.id, User.display_name).where(User.id.in_(id_list[start : start + CHUNK]))
        )
        names.update({uid: name for uid, name in rows})  # noqa: C416 (rows are Row objects)
    return names
