"""Who a message from the People table goes to: the ticked people, everyone the table's
filters match, or a saved view the viewer may open, as a query of ids for the broadcast
service (it never passes through Python as a list). A broadcast to a saved view keeps the view
and reads its people again when sending starts."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy import Select, bindparam, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import ImmutableMultiDict

from portal import events
from portal.directory import query, views
from portal.directory.filters import PeopleFilter, parse_filter
from portal.directory.models import SavedView, ViewBroadcast
from portal.errors import NotFound
from portal.messages.models import BroadcastPerson
from portal.people.models import User


@dataclass(frozen=True)
class ChosenPeople:
    """Who a message from the People table goes to, as the hidden fields that carry it."""

    scope: str  # "selected": the ticked ids; "all": the view's filtered set; "saved": a view
    view: str  # the table's query string (scope "all"), to return to the table
    user_ids: tuple[int, ...] = ()
    saved_id: int | None = None
    saved_name: str = ""

    @property
    def note(self) -> str:
        if self.scope == "saved":
            return f"the saved view “{self.saved_name}”"
        if self.scope == "all":
            return "everyone the People table's filters matched"
        return "people ticked on the People table"


def filter_of(view: str) -> PeopleFilter:
    return parse_filter(ImmutableMultiDict(parse_qsl(view, keep_blank_values=True))).filter


async def people_query(session: AsyncSession, chosen: ChosenPeople) -> Select[Any]:
    if chosen.scope == "selected":
        return select(User.id).where(User.id.in_(chosen.user_ids))
    return await query.filtered_query(session, filter_of(chosen.view))


async def saved_audience(session: AsyncSession, viewer: User, view_id: int) -> ChosenPeople:
    """A saved view the viewer may open (their own or a shared one), or NotFound."""
    for view in await views.list_views(session, viewer=viewer):
        if view.id == view_id:
            return ChosenPeople("saved", view.query, saved_id=view.id, saved_name=view.name)
    raise NotFound()


async def follow_saved_view(session: AsyncSession, *, broadcast_id: int, view_id: int) -> None:
    """The broadcast goes to whoever the saved view matches when it starts sending."""
    session.add(ViewBroadcast(broadcast_id=broadcast_id, saved_view_id=view_id))
    await session.flush()


async def resolve_saved_view(session: AsyncSession, event: events.BroadcastStarting) -> None:
    """A broadcast to a saved view that starts sending: its chosen people become those the
    view's filters match now, in one DELETE and one INSERT … SELECT (the broadcast keeps only
    the active advocates among them, as for any chosen people)."""
    saved = await session.scalar(
        select(SavedView.query)
        .join(ViewBroadcast, ViewBroadcast.saved_view_id == SavedView.id)
        .where(ViewBroadcast.broadcast_id == event.broadcast_id)
    )
    if saved is None:
        return
    await session.execute(
        delete(BroadcastPerson).where(BroadcastPerson.broadcast_id == event.broadcast_id)
    )
    matched = (await query.filtered_query(session, filter_of(saved))).subquery()
    await session.execute(
        insert(BroadcastPerson).from_select(
            ["broadcast_id", "user_id"],
            select(bindparam("broadcast_id", event.broadcast_id), matched.c.id),
        )
    )
