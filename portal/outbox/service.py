"""Queueing email in the outbox, sending it over SMTP exactly once, and reading it back."""

import logging
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosmtplib
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal.clock import utcnow
from portal.errors import NotFound, PortalError
from portal.i18n import N_
from portal.jobs import enqueue
from portal.outbox import preferences, secret_links
from portal.outbox.kinds import KINDS, LINE_BREAK, SecretLink
from portal.outbox.models import EmailCategory, EmailStatus, OutboxEmail
from portal.outbox.ready import Ready, Recipient
from portal.pagination import Page
from portal.people.models import User

log = logging.getLogger(__name__)

# Waits between attempts; after the last one the email is marked failed for an admin to see.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
SEND_LEASE = timedelta(minutes=5)
LINK = re.compile(r"https?://[^\s<>\"']+")


class UnsafeSubject(PortalError):
    status_code = 422
    message = N_("An email subject must be one line: it cannot contain a line break.")


@dataclass(frozen=True)
class Attachment:
    """A small text file sent with an email (an event's .ics)."""

    filename: str
    content_type: str
    text: str


async def queue_email(
    session: AsyncSession,
    *,
    to: str,
    kind: str,
    context: dict[str, Any],
    subject: str | None = None,
    user_id: int | None = None,
    category: EmailCategory | None = None,
    attachments: Sequence[Attachment] = (),
) -> OutboxEmail | None:
    """Writes the email in this transaction; it is sent after the commit, with any
    `attachments`. Every email names the program: its name and tagline join the context here,
    and without a subject the kind's default subject is filled from that context. An email with
    a category goes only to people who have not switched that category off, and carries a
    one-click unsubscribe link (in its footer and its List-Unsubscribe headers). A subject must
    be one line (UnsafeSubject)."""
    if subject is not None and LINE_BREAK.search(subject):
        raise UnsafeSubject()
    if category is not None:
        if user_id is None:
            raise ValueError("an email with a category needs its user_id")
        if await preferences.is_opted_out(session, user_id=user_id, category=category):
            return None
    ready = await Ready.of(session, kind, category)
    person = await session.get(User, user_id) if user_id is not None else None
    recipient = Recipient(person.time_zone, person.language) if person else None
    row = await ready.row(
        session, to=to, user_id=user_id, recipient=recipient, context=context, subject=subject
    )
    email = OutboxEmail(
        **row, attachments=[asdict(attachment) for attachment in attachments] or None
    )
    session.add(email)
    await session.flush()
    enqueue(session, "send_email", email_id=email.id, job_id=f"send_email:{email.id}")
    return email


@dataclass(frozen=True)
class SmtpServer:
    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool | None

    @classmethod
    def from_url(cls, url: str) -> "SmtpServer":
        """`smtp://user:pass@host:587` (STARTTLS when offered), `smtps://host:465` (TLS),
        `smtp://host:25?starttls=false`."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://user:password@host:port")
        implicit_tls = parts.scheme == "smtps"
        start_tls: bool | None = None
        if "starttls=false" in parts.query:
            start_tls = False
        elif "starttls=true" in parts.query:
            start_tls = True
        return cls(
            hostname=parts.hostname,
            port=parts.port or (465 if implicit_tls else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=implicit_tls,
            start_tls=False if implicit_tls else start_tls,
        )


def build_message(email: OutboxEmail, *, sender: str, message_domain: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=f"outbox.{email.id}", domain=message_domain)
    for name, value in email.headers.items():
        message[name] = value
    message.set_content(email.text_body)
    message.add_alternative(email.html_body, subtype="html")
    for attachment in email.attachments or []:
        maintype, _, subtype = attachment["content_type"].partition("/")
        message.add_attachment(
            attachment["text"].encode(),
            maintype=maintype,
            subtype=subtype,
            filename=attachment["filename"],
        )
    return message


def _due(now: datetime) -> ColumnElement[bool]:
    """Pending and due, or being sent under a lease that ran out (its worker died)."""
    return OutboxEmail.status.in_([EmailStatus.PENDING, EmailStatus.SENDING]) & (
        OutboxEmail.next_attempt_at <= now
    )


async def claim(session: AsyncSession, email_id: int) -> OutboxEmail | None:
    """Takes a lease on a due email, so no other worker sends it while this one does; None if
    it is not due. A worker killed mid-send leaves the lease to run out, and the sweep retries;
    one that never finishes gives up for good after the last try."""
    now = utcnow()
    claimed = await session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == email_id, _due(now))
        .values(
            status=EmailStatus.SENDING,
            attempts=OutboxEmail.attempts + 1,
            next_attempt_at=now + SEND_LEASE,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    email = await session.get(OutboxEmail, email_id, populate_existing=True)
    if email is not None and email.attempts > MAX_ATTEMPTS:
        _finish(email, Failure(f"Gave up after {MAX_ATTEMPTS} tries: the last stopped mid-send."))
        await session.flush()
        return None
    return email


@dataclass(frozen=True)
class Failure:
    """Why an email was not sent; `final` when trying again can never help."""

    error: str
    final: bool = False


def _describe(error: Exception) -> str:
    text = str(error) or error.__class__.__name__
    return text.replace("\x00", "")[:2000]


async def deliver(
    email: OutboxEmail, *, server: SmtpServer, sender: str, message_domain: str
) -> Failure | None:
    """Sends one email; None when the server accepted it. Nothing raises: every failure comes
    back as a Failure, so the email always ends in a state with its error."""
    try:
        message = build_message(email, sender=sender, message_domain=message_domain)
    except Exception as error:  # the email library refuses a header (a line break, ...) for good
        log.exception("email %s cannot be built", email.id)
        return Failure(f"This email cannot be built: {_describe(error)}", final=True)
    try:
        await aiosmtplib.send(
            message,
            hostname=server.hostname,
            port=server.port,
            username=server.username,
            password=server.password,
            use_tls=server.use_tls,
            start_tls=server.start_tls,
            timeout=30,
        )
    except (aiosmtplib.SMTPException, OSError) as error:
        log.warning("email %s not sent: %s", email.id, error)
        return Failure(_describe(error))
    except Exception as error:  # anything else while sending: retried like a refusal
        log.exception("email %s not sent", email.id)
        return Failure(f"{error.__class__.__name__}: {_describe(error)}")
    return None


def _finish(email: OutboxEmail, failure: Failure | None) -> None:
    """Sent, retried with backoff, or failed after the last try; an email that is done keeps
    only the masked form of its secret links."""
    now = utcnow()
    if failure is None:
        email.status = EmailStatus.SENT
        email.sent_at = now
        email.last_error = None
    elif failure.final or email.attempts >= MAX_ATTEMPTS:
        email.status = EmailStatus.FAILED
        email.last_error = failure.error
    else:
        email.status = EmailStatus.PENDING
        email.last_error = failure.error
        email.next_attempt_at = now + RETRY_DELAYS[email.attempts - 1]
    if email.status != EmailStatus.PENDING:
        secret_links.purge(email)


async def record_result(session: AsyncSession, email_id: int, failure: Failure | None) -> None:
    email = await session.get(OutboxEmail, email_id)
    if email is None:
        return
    _finish(email, failure)
    await session.flush()


async def due_email_ids(session: AsyncSession, *, limit: int = 100) -> list[int]:
    rows = await session.scalars(
        select(OutboxEmail.id).where(_due(utcnow())).order_by(OutboxEmail.id).limit(limit)
    )
    return list(rows)


async def list_emails(
    session: AsyncSession, *, status: EmailStatus | None = None, page: int = 1, per_page: int = 50
) -> Page[OutboxEmail]:
    query = select(OutboxEmail)
    if status is not None:
        query = query.where(OutboxEmail.status == status)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.scalars(
        query.order_by(OutboxEmail.id.desc()).offset((page - 1) * per_page).limit(per_page)
    )
    return Page(items=list(rows), page=page, per_page=per_page, total=total)


@dataclass(frozen=True)
class ShownLink:
    url: str
    masked: bool


@dataclass(frozen=True)
class ShownEmail:
    """An email as one member of staff may read it: secret links masked, but the one they may
    copy (`secret_links.copyable`)."""

    email: OutboxEmail
    text: str
    links: list[ShownLink]
    secret: SecretLink | None  # what its kind carries
    masked: bool  # a secret link in it is hidden from this viewer
    copyable: bool  # this viewer may copy its secret link (no SMTP, an invitation they could send)


async def show_email(
    session: AsyncSession, *, viewer: User, email_id: int, smtp_configured: bool
) -> ShownEmail:
    email = await session.get(OutboxEmail, email_id)
    if email is None:
        raise NotFound()
    recipient = None
    if email.user_id is not None:
        recipient = await session.scalar(
            select(User).where(User.id == email.user_id).options(selectinload(User.roles))
        )
    keep = secret_links.copyable(
        email, viewer=viewer, recipient=recipient, smtp_configured=smtp_configured
    )
    text = secret_links.mask(email.text_body, keep=keep)
    kind = KINDS.get(email.kind)
    return ShownEmail(
        email=email,
        text=text,
        links=[ShownLink(url, secret_links.MASK in url) for url in links_in(text)],
        secret=kind.secret if kind else None,
        masked=secret_links.MASK in text,
        copyable=text != secret_links.mask(text),
    )


def links_in(text: str) -> list[str]:
    """The links an email's text carries, in order, once each."""
    return list(dict.fromkeys(m.rstrip(".,)") for m in LINK.findall(text)))
