"""People's background work: recording that a session was used, for requests that only read."""

from arq import func

from portal.jobs import JobContext, unit_of_work
from portal.people import sessions


async def mark_session_seen(ctx: JobContext, session_id: str) -> None:
    async with unit_of_work(ctx) as session:
        await sessions.mark_session_seen(session, session_id=session_id)


FUNCTIONS = [func(mark_session_seen, max_tries=3)]
