"""Queueing many emails of one kind at once (`outbox.bulk.queue_many`): each is written in its
recipient's language and zone, and the recipients' accounts are read in one statement for the
batch, not once per email (issue 24)."""

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.outbox import bulk
from portal.outbox.models import EmailCategory, OutboxEmail
from tests.factories import make_advocate

BASE = "http://portal.test"


def _context(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "title": "Your hoodie shipped",
        "reward": "Hoodie",
        "status": "fulfilled",
        "code": None,
        "tracking_note": "",
        "reject_reason": "",
        "refunded": False,
        "cost": 10,
        "link": f"{BASE}/rewards",
    }


async def test_a_batch_reads_its_recipients_once_and_writes_each_in_their_language(
    session: AsyncSession,
) -> None:
    people = [await make_advocate(session, name=f"Person {n}") for n in range(4)]
    people[1].language = "de"
    await session.flush()
    session.expunge_all()  # as in a job: nobody is in the session's identity map yet
    statements: list[str] = []

    def sent(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        statements.append(statement)

    engine = (await session.connection()).engine.sync_engine
    event.listen(engine, "before_cursor_execute", sent)
    try:
        ids = await bulk.queue_many(
            session,
            kind="redemption_status",
            category=EmailCategory.REWARDS,
            addressees=[
                bulk.Addressee(to=f"p{n}@example.com", user_id=p.id, context=_context(f"P{n}"))
                for n, p in enumerate(people)
            ],
        )
    finally:
        event.remove(engine, "before_cursor_execute", sent)
    assert len(ids) == 4
    reads_of_users = [s for s in statements if "FROM users" in s]
    assert len(reads_of_users) == 1, reads_of_users
    emails = {
        e.to_address: e
        for e in await session.scalars(select(OutboxEmail).where(OutboxEmail.id.in_(ids)))
    }
    assert "abbestellen" in emails["p1@example.com"].text_body.lower()  # German footer
    assert "To stop them" in emails["p0@example.com"].text_body
