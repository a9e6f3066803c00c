"""Queueing one kind of email to many people at once (a broadcast's or a bulk invitation's
batch): what
`service.queue_email` does per email, with the shared lookups made once, the opt-outs read in
one query and the rows written in one multi-row INSERT instead of one flush each."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.jobs import enqueue
from portal.outbox.kinds import LINE_BREAK
from portal.outbox.models import EmailCategory, EmailOptOut, OutboxEmail
from portal.outbox.ready import Ready, recipients
from portal.outbox.service import UnsafeSubject


@dataclass(frozen=True)
class Addressee:
    to: str
    user_id: int
    context: dict[str, Any]
    subject: str | None = None


async def queue_many(
    session: AsyncSession,
    *,
    kind: str,
    category: EmailCategory | None,
    addressees: list[Addressee],
) -> list[int]:
    """Writes the emails in this transaction (sent after the commit), skipping whoever switched
    `category` off (an email without a category, such as an invitation, goes to everyone);
    returns the outbox ids written."""
    if any(a.subject is not None and LINE_BREAK.search(a.subject) for a in addressees):
        raise UnsafeSubject()
    if not addressees:
        return []
    off = set()
    if category is not None:
        off = set(
            await session.scalars(
                select(EmailOptOut.user_id).where(
                    EmailOptOut.category == category,
                    EmailOptOut.user_id.in_([a.user_id for a in addressees]),
                )
            )
        )
    ready = await Ready.of(session, kind, category)
    wanted = [a for a in addressees if a.user_id not in off]
    accounts = await recipients(session, (a.user_id for a in wanted))
    rows = [
        await ready.row(
            session,
            to=a.to,
            user_id=a.user_id,
            recipient=accounts.get(a.user_id),
            context=a.context,
            subject=a.subject,
        )
        for a in wanted
    ]
    if not rows:
        return []
    ids = list(await session.scalars(insert(OutboxEmail).returning(OutboxEmail.id), rows))
    for email_id in ids:
        enqueue(session, "send_email", email_id=email_id, job_id=f"send_email:{email_id}")
    return ids
