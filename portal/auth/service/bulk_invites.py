"""Bulk invitations: a CSV or pasted list is read and checked row by row at upload (the
preview), then jobs invite its valid rows a batch per transaction, so a list of thousands
never holds one long transaction and a reload shows how far it got. Each invitation is the
ordinary one (email through the outbox, audit row); a row may carry an opening points balance,
one ledger row keyed by the file's content and the line."""

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal.audit import service as audit
from portal.auth.models import BulkInvite, BulkInviteRow, BulkInviteStatus, BulkRowState
from portal.auth.service.accounts import create_user, normalize_email
from portal.auth.service.links import invite
from portal.clock import utcnow
from portal.errors import Conflict, NotFound, PortalError
from portal.forms import MAX_EMAIL
from portal.jobs import enqueue
from portal.parsing import INT4_MAX, clean
from portal.people import service as people
from portal.people.models import Group, Role, User, UserStatus
from portal.points import service as points

MAX_ROWS = 20_000
BATCH_SIZE = 200  # rows invited per job transaction
STALLED_AFTER = timedelta(minutes=10)
CHECK_CHUNK = 500  # addresses looked up per query at upload
LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
GROUP_SEPARATOR = re.compile(r"[;|]")
COLUMNS = ("email", "name", "company", "job_title", "groups", "language", "points")
HEADER_NAMES = {
    "email": "email",
    "e-mail": "email",
    "email address": "email",
    "name": "name",
    "display name": "name",
    "full name": "name",
    "company": "company",
    "organisation": "company",
    "organization": "company",
    "job title": "job_title",
    "job_title": "job_title",
    "title": "job_title",
    "groups": "groups",
    "group": "groups",
    "language": "language",
    "lang": "language",
    "points": "points",
    "opening points": "points",
    "opening balance": "points",
}
LIMITS = {"name": 120, "company": 200, "job_title": 200, "groups": 500}


class EmptyList(PortalError):
    status_code = 422
    message = "No rows found: upload a CSV or paste one person per line, starting with the email."


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


def _records(text: str) -> list[tuple[int, dict[str, str]]]:
    """(line, fields) for every non-empty row; a first row naming an email column is a header
    that says which column is which, otherwise the columns come in COLUMNS order."""
    rows = [
        (number, [clean(cell).strip() for cell in cells])
        for number, cells in enumerate(csv.reader(io.StringIO(text)), start=1)
        if any(cell.strip() for cell in cells)
    ]
    order: list[str | None] = list(COLUMNS)
    if rows and "email" in {HEADER_NAMES.get(cell.lower()) for cell in rows[0][1]}:
        order = [HEADER_NAMES.get(cell.lower()) for cell in rows[0][1]]
        rows = rows[1:]
    return [
        (number, {name: cell for name, cell in zip(order, cells, strict=False) if name})
        for number, cells in rows
    ]


def _problem(fields: dict[str, str], groups: dict[str, int | None]) -> str:
    """What is wrong with the row, or "". `groups`: id by lower-cased name, None for segments."""
    for name, limit in LIMITS.items():
        if len(fields.get(name, "")) > limit:
            return f"The {name.replace('_', ' ')} is longer than {limit} characters."
    email = fields.get("email", "")
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return f"Not a valid email address: {email[:60]!r}." if email else "No email address."
    if len(email) > MAX_EMAIL:
        return "The email address is too long."
    unknown = [g for g in _group_names(fields) if g.lower() not in groups]
    if unknown:
        return f"Unknown group: {', '.join(unknown)[:200]}."
    segments = [g for g in _group_names(fields) if groups[g.lower()] is None]
    if segments:
        return f"{', '.join(segments)[:200]}: a segment's rules choose its members."
    language = fields.get("language", "")
    if language and (len(language) > 16 or not LANGUAGE_TAG.fullmatch(language)):
        return f"Unknown language {language[:20]!r}: use a code like en, de or pt-BR."
    opening = fields.get("points", "").replace(",", "")
    if opening and not (opening.isascii() and opening.isdigit() and int(opening) <= INT4_MAX):
        return "The opening points must be a whole number, 0 or more."
    return ""


def _ids(groups: dict[str, int | None], names: list[str]) -> set[int]:
    return {id_ for name in names if (id_ := groups[name.lower()]) is not None}


def _opening(fields: dict[str, str]) -> int:
    return int((fields.get("points") or "0").replace(",", ""))


def _group_names(fields: dict[str, str]) -> list[str]:
    return [g.strip() for g in GROUP_SEPARATOR.split(fields.get("groups", "")) if g.strip()]


async def _existing(session: AsyncSession, emails: list[str]) -> dict[str, UserStatus]:
    found: dict[str, UserStatus] = {}
    for start in range(0, len(emails), CHECK_CHUNK):
        chunk = emails[start : start + CHECK_CHUNK]
        rows = await session.execute(select(User.email, User.status).where(User.email.in_(chunk)))
        found.update({email: UserStatus(status) for email, status in rows.all()})
    return found


async def read_list(session: AsyncSession, *, staff: User, text: str, source: str) -> BulkInvite:
    """Reads and checks every row, and keeps them for the preview; nobody is invited yet."""
    records = _records(text)
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
        problem = _problem(fields, groups)
        if not problem and email in first_line:
            problem = f"Already on line {first_line[email]} of this list."
        elif not problem and email in existing:
            problem = (
                "Already invited: resend from their page."
                if existing[email] == UserStatus.INVITED
                else "Already a member."
            )
        first_line.setdefault(email, line)
        names = _group_names(fields)
        rows.append(
            {
                "bulk_invite_id": bulk.id,
                "line": line,
                "email": email[:MAX_EMAIL],
                "display_name": (fields.get("name") or email.split("@")[0])[:120],
                "company": fields.get("company", "")[:200],
                "job_title": fields.get("job_title", "")[:200],
                "language": fields.get("language", "")[:16] if not problem else "",
                "group_ids": [] if problem else sorted(_ids(groups, names)),
                "group_names": ", ".join(names)[:500],
                "opening_points": 0
                if problem
                else int((fields.get("points") or "0").replace(",", "")),
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
        raise Conflict("This list is already being sent.")
    progress = await progress_of(session, bulk)
    if not progress.waiting:
        raise Conflict("No row of this list can be invited: fix the file and upload it again.")
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
    for row in rows:
        await _invite_row(session, bulk, row)
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


async def _invite_row(session: AsyncSession, bulk: BulkInvite, row: BulkInviteRow) -> None:
    try:
        async with session.begin_nested():
            user = await create_user(
                session,
                email=row.email,
                display_name=row.display_name,
                status=UserStatus.INVITED,
                company=row.company,
                job_title=row.job_title,
                language=row.language,
            )
            await invite(
                session,
                inviter=bulk.created_by,
                email=user.email,
                display_name=user.display_name,
                roles={Role.ADVOCATE},
            )
            await people.join_groups(session, user_id=user.id, group_ids=row.group_ids)
            if row.opening_points:
                await points.award(
                    session,
                    user,
                    points=row.opening_points,
                    reason="Opening balance",
                    key=f"bulk_invite:{bulk.content_sha256}:line:{row.line}",
                    actor=bulk.created_by,
                )
    except PortalError as error:
        row.state, row.problem = BulkRowState.FAILED, error.message[:300]
    except IntegrityError:  # the address got an account while the list waited
        row.state, row.problem = BulkRowState.FAILED, "Already a member."
    else:
        row.state, row.user_id = BulkRowState.INVITED, user.id
