"""Bulk invitations: a CSV or pasted list is read and checked row by row at upload (the
preview), then jobs invite its valid rows a batch per transaction, so a list of thousands
never holds one long transaction and a reload shows how far it got. A batch's invitations are
written together (`invite_many`: the users, invitations, emails and audit rows in a few
multi-row statements, the same rows the one-person `invite` writes); a row may carry an
opening points balance, one ledger row keyed by the file's content and the line, and custom
profile field answers (portal.auth.service.bulk_lists reads and checks the list)."""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal.audit import service as audit
from portal.auth.models import BulkInvite, BulkInviteRow, BulkInviteStatus, BulkRowState
from portal.auth.service.accounts import AlreadyMember, normalize_email
from portal.auth.service.bulk_lists import (
    answers_of,
    field_headers,
    group_ids,
    group_names,
    opening_points,
    problem_of,
    read_records,
)
from portal.auth.service.links import NewAdvocate, invite_many
from portal.clock import utcnow
from portal.errors import Conflict, NotFound, PortalError
from portal.forms import MAX_EMAIL
from portal.i18n import N_
from portal.jobs import enqueue
from portal.people import fields as profile_fields
from portal.people import service as people
from portal.people.models import Group, User, UserStatus
from portal.points import service as points
from portal.wording import wording

MAX_ROWS = 20_000
BATCH_SIZE = 200  # rows invited per job transaction
STALLED_AFTER = timedelta(minutes=10)
CHECK_CHUNK = 500  # addresses looked up per query at upload


class EmptyList(PortalError):
    status_code = 422
    message = N_(
        "No rows found: upload a CSV or paste one person per line, starting with the email."
    )


class TooManyRows(PortalError):
    status_code = 422
    message = f"That list has more than {MAX_ROWS:,} rows: split it into smaller files."


@dataclass(frozen=True)
class Progress:
    invalid: int
    waiting: int
    invited: int
    failed: int

    @property
    def valid(self) -> int:
        return self.waiting + self.invited + self.failed

    @property
    def total(self) -> int:
        return self.valid + self.invalid

    @property
    def percent(self) -> int:
        return 100 if not self.valid else (self.invited + self.failed) * 100 // self.valid


async def _existing(session: AsyncSession, emails: list[str]) -> dict[str, UserStatus]:
    found: dict[str, UserStatus] = {}
    for start in range(0, len(emails), CHECK_CHUNK):
        chunk = emails[start : start + CHECK_CHUNK]
        rows = await session.execute(select(User.email, User.status).where(User.email.in_(chunk)))
        found.update({email: UserStatus(status) for email, status in rows.all()})
    return found


async def read_list(session: AsyncSession, *, staff: User, text: str, source: str) -> BulkInvite:
    """Reads and checks every row, and keeps them for the preview; nobody is invited yet."""
    profile = {str(field.id): field for field in await profile_fields.fields_shown(session)}
    records = read_records(text, field_headers(list(profile.values())))
    if not records:
        raise EmptyList()
    if len(records) > MAX_ROWS:
        raise TooManyRows()
    named = await session.execute(select(Group.id, Group.name, Group.is_dynamic))
    groups = {name.lower(): None if dynamic else id_ for id_, name, dynamic in named.all()}
    existing = await _existing(
        session, sorted({normalize_email(fields.get("email", "")) for _, fields in records})
    )
    bulk = BulkInvite(
        created_by_id=staff.id,
        source=source[:200] or "Pasted list",
        content_sha256=hashlib.sha256(text.encode()).hexdigest(),
    )
    session.add(bulk)
    await session.flush()
    first_line: dict[str, int] = {}
    rows = []
    for line, fields in records:
        email = normalize_email(fields.get("email", ""))
        problem = problem_of(fields, groups)
        answers, wrong_answer = answers_of(fields, profile)
        problem = problem or wrong_answer
        if not problem and email in first_line:
            problem = f"Already on line {first_line[email]} of this list."
        elif not problem and email in existing:
            problem = (
                "Already invited: resend from their page."
                if existing[email] == UserStatus.INVITED
                else "Already a member."
            )
        first_line.setdefault(email, line)
        names = group_names(fields)
        rows.append(
            {
                "bulk_invite_id": bulk.id,
                "line": line,
                "email": email[:MAX_EMAIL],
                "display_name": (fields.get("name") or email.split("@")[0])[:120],
                "company": fields.get("company", "")[:200],
                "job_title": fields.get("job_title", "")[:200],
                "language": fields.get("language", "")[:16] if not problem else "",
                "group_ids": [] if problem else sorted(group_ids(groups, names)),
                "group_names": ", ".join(names)[:500],
                "answers": {} if problem else answers,
                "opening_points": 0 if problem else opening_points(fields),
                "state": BulkRowState.INVALID if problem else BulkRowState.WAITING,
                "problem": problem,
            }
        )
    await session.execute(insert(BulkInviteRow), rows)
    return bulk


async def access_bulk_invite(session: AsyncSession, bulk_invite_id: int) -> BulkInvite:
    bulk = await session.get(BulkInvite, bulk_invite_id)
    if bulk is None:
        raise NotFound()
    return bulk


async def progress_of(session: AsyncSession, bulk: BulkInvite) -> Progress:
    counts = dict(
        (
            await session.execute(
                select(BulkInviteRow.state, func.count())
                .where(BulkInviteRow.bulk_invite_id == bulk.id)
                .group_by(BulkInviteRow.state)
            )
        ).all()
    )
    return Progress(*(counts.get(state, 0) for state in BulkRowState))


async def rows_of(
    session: AsyncSession, bulk: BulkInvite, *, states: tuple[BulkRowState, ...], limit: int
) -> list[BulkInviteRow]:
    return list(
        await session.scalars(
            select(BulkInviteRow)
            .where(BulkInviteRow.bulk_invite_id == bulk.id, BulkInviteRow.state.in_(states))
            .order_by(BulkInviteRow.line)
            .limit(limit)
        )
    )


async def recent_bulk_invites(session: AsyncSession, *, limit: int = 5) -> list[BulkInvite]:
    return list(
        await session.scalars(select(BulkInvite).order_by(BulkInvite.id.desc()).limit(limit))
    )


async def start_sending(session: AsyncSession, *, staff: User, bulk: BulkInvite) -> None:
    """Sends the list: jobs invite its valid rows from now on (once: a second click changes
    nothing)."""
    if bulk.status != BulkInviteStatus.PREVIEW:
        raise Conflict(N_("This list is already being sent."))
    progress = await progress_of(session, bulk)
    if not progress.waiting:
        raise Conflict(N_("No row of this list can be invited: fix the file and upload it again."))
    bulk.status = BulkInviteStatus.SENDING
    bulk.started_at = bulk.progressed_at = utcnow()
    await audit.record(
        session,
        actor=staff,
        action="user.bulk_invited",
        target_type="bulk_invite",
        target_id=bulk.id,
        summary=f"Inviting {progress.waiting} people from {bulk.source}",
    )
    _queue_batch(session, bulk, after_line=0)


def _queue_batch(session: AsyncSession, bulk: BulkInvite, *, after_line: int) -> None:
    enqueue(
        session,
        "invite_next_batch",
        bulk_invite_id=bulk.id,
        job_id=f"invite_next_batch:{bulk.id}:{after_line}",
    )


async def invite_next_batch(
    session: AsyncSession, *, bulk_invite_id: int, size: int = BATCH_SIZE
) -> int:
    """Invites the next `size` waiting rows and queues the batch after them; returns how many
    rows it handled. Rows are locked as they are taken (PostgreSQL), so two workers never
    invite the same row, and a row's state changes with its invitation: a rerun resumes."""
    bulk = await session.scalar(
        select(BulkInvite)
        .where(BulkInvite.id == bulk_invite_id)
        .options(selectinload(BulkInvite.created_by).selectinload(User.roles))
    )
    if bulk is None or bulk.status != BulkInviteStatus.SENDING:
        return 0
    waiting = (BulkInviteRow.bulk_invite_id == bulk.id, BulkInviteRow.state == BulkRowState.WAITING)
    rows = list(
        await session.scalars(
            select(BulkInviteRow)
            .where(*waiting)
            .order_by(BulkInviteRow.line)
            .limit(size)
            .with_for_update(skip_locked=True)
        )
    )
    if rows:
        await _invite_rows(session, bulk, rows)
    bulk.progressed_at = utcnow()
    await session.flush()
    if await session.scalar(select(exists().where(*waiting))):
        _queue_batch(session, bulk, after_line=rows[-1].line if rows else 0)
    else:
        bulk.status = BulkInviteStatus.DONE
        bulk.finished_at = utcnow()
    return len(rows)


async def resume_stalled_bulk_invites(session: AsyncSession) -> int:
    """Queues the next batch of every list still sending with no batch for STALLED_AFTER
    (its job was lost); returns how many lists were resumed."""
    now = utcnow()
    stalled = list(
        await session.scalars(
            select(BulkInvite).where(
                BulkInvite.status == BulkInviteStatus.SENDING,
                BulkInvite.progressed_at < now - STALLED_AFTER,
            )
        )
    )
    for bulk in stalled:
        bulk.progressed_at = now
        enqueue(
            session,
            "invite_next_batch",
            bulk_invite_id=bulk.id,
            job_id=f"invite_next_batch:{bulk.id}:resumed:{now.isoformat()}",
        )
    return len(stalled)


async def _invite_rows(session: AsyncSession, bulk: BulkInvite, rows: list[BulkInviteRow]) -> None:
    """Invites the rows together (portal.auth.service.links.invite_many). A row whose address
    got an account while the list waited fails alone; when the batch meets a problem it could
    not foresee (an address taken meanwhile by another transaction, a refused award) it is
    invited again row by row, each in its own savepoint, so the problem fails only its row."""
    taken = set(
        await session.scalars(select(User.email).where(User.email.in_([r.email for r in rows])))
    )
    for row in rows:
        if row.email in taken:
            row.state, row.problem = BulkRowState.FAILED, AlreadyMember.message
    rows = [row for row in rows if row.email not in taken]
    try:
        async with session.begin_nested():
            users = await _invite_together(session, bulk, rows)
    except (PortalError, IntegrityError) as error:
        if len(rows) > 1:
            for row in rows:
                await _invite_rows(session, bulk, [row])
            return
        [row] = rows
        row.state, row.problem = (
            BulkRowState.FAILED,
            (error.message[:300] if isinstance(error, PortalError) else "Already a member."),
        )
        return
    for row, user in zip(rows, users, strict=True):
        row.state, row.user_id = BulkRowState.INVITED, user.id


async def _invite_together(
    session: AsyncSession, bulk: BulkInvite, rows: list[BulkInviteRow]
) -> list[User]:
    users = await invite_many(
        session,
        inviter=bulk.created_by,
        people=[
            NewAdvocate(
                email=row.email,
                display_name=row.display_name,
                company=row.company,
                job_title=row.job_title,
                language=row.language,
            )
            for row in rows
        ],
    )
    await people.join_groups_each(
        session, {user.id: row.group_ids for row, user in zip(rows, users, strict=True)}
    )
    for row, user in zip(rows, users, strict=True):
        if row.answers:
            await profile_fields.save_answers(
                session, user=user, answers={int(id_): value for id_, value in row.answers.items()}
            )
        if row.opening_points:
            await points.award(
                session,
                user,
                points=row.opening_points,
                reason=wording(N_("Opening balance")),
                key=f"bulk_invite:{bulk.content_sha256}:line:{row.line}",
                actor=bulk.created_by,
            )
    return users
