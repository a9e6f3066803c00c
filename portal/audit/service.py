"""Writing and reading the audit log."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal.audit.models import AuditEntry
from portal.pagination import Page
from portal.people.models import User


async def record(
    session: AsyncSession,
    *,
    actor: User | None,
    action: str,
    target_type: str,
    target_id: int | None,
    summary: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    api_token_id: int | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        api_token_id=api_token_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        summary=summary[:300],
        before=before,
        after=after,
    )
    session.add(entry)
    await session.flush()
    return entry


@dataclass(frozen=True)
class Target:
    """One row of `record_many`: what the action touched and what it did there."""

    target_id: int
    summary: str
    after: dict[str, Any] | None = None


async def record_many(
    session: AsyncSession,
    *,
    actor: User | None,
    action: str,
    target_type: str,
    targets: list[Target],
) -> None:
    """One staff action on many targets (a bulk invitation's batch), a row each in one flush."""
    session.add_all(
        AuditEntry(
            actor_id=actor.id if actor is not None else None,
            action=action,
            target_type=target_type,
            target_id=target.target_id,
            summary=target.summary[:300],
            after=target.after,
        )
        for target in targets
    )
    await session.flush()


async def list_entries(
    session: AsyncSession, *, action_prefix: str = "", page: int = 1, per_page: int = 50
) -> Page[AuditEntry]:
    query = select(AuditEntry)
    if action_prefix:
        query = query.where(AuditEntry.action.startswith(action_prefix))
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.scalars(
        query.options(selectinload(AuditEntry.actor), selectinload(AuditEntry.api_token))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return Page(items=list(rows), page=page, per_page=per_page, total=total)
