"""Saved views of the People table: a marketer's own, and those colleagues shared."""

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.directory.models import SavedView
from portal.errors import NotFound
from portal.people.models import User


async def list_views(session: AsyncSession, *, viewer: User) -> list[SavedView]:
    return list(
        await session.scalars(
            select(SavedView)
            .where(or_(SavedView.owner_id == viewer.id, SavedView.is_shared.is_(True)))
            .order_by(SavedView.name, SavedView.id)
        )
    )


async def save_view(
    session: AsyncSession, *, owner: User, name: str, query: str, shared: bool
) -> SavedView:
    """Saves the view, or replaces the query of the owner's view of the same name."""
    view = await session.scalar(
        select(SavedView).where(SavedView.owner_id == owner.id, SavedView.name == name)
    )
    if view is None:
        view = SavedView(owner_id=owner.id, name=name)
        session.add(view)
    view.query = query
    view.is_shared = shared
    await session.flush()
    return view


async def delete_view(session: AsyncSession, *, owner: User, view_id: int) -> SavedView:
    """Only the owner deletes a view (a shared one is still theirs); anyone else gets 404."""
    view = await session.get(SavedView, view_id)
    if view is None or view.owner_id != owner.id:
        raise NotFound()
    await session.delete(view)
    await session.flush()
    return view
