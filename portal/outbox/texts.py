"""Marketers' own subjects and opening paragraphs per email kind, and previews of them."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit import service as audit
from portal.errors import NotFound, PortalError
from portal.i18n import N_, gettext
from portal.outbox.kinds import KINDS, LINE_BREAK, EmailKind, fill, one_line
from portal.outbox.models import EmailText
from portal.outbox.render import render_email
from portal.people.models import User
from portal.translations import Translations, input_name


class InvalidEmailText(PortalError):
    status_code = 422

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class Preview:
    subject: str
    text: str
    html: str


def access_kind(kind: str) -> EmailKind:
    if kind not in KINDS:
        raise NotFound()
    return KINDS[kind]


async def texts(session: AsyncSession) -> dict[str, EmailText]:
    return {text.kind: text for text in await session.scalars(select(EmailText))}


async def text_for(session: AsyncSession, kind: str) -> EmailText | None:
    """The marketer's wording for a kind, looked up once per transaction (a sweep writes
    thousands of emails of one kind)."""
    known: dict[str, EmailText | None] = session.info.setdefault("email_texts", {})
    if kind not in known:
        known[kind] = await session.get(EmailText, kind)
    return known[kind]


def compose(
    kind: str, *, subject: str, context: dict[str, object], text: EmailText | None
) -> tuple[str, dict[str, object]]:
    """The subject and context an email goes out with, after the marketer's own words (a
    subject saved before line breaks were refused is read as one line)."""
    if text is not None and text.subject:
        subject = fill(one_line(text.subject), context)
    return subject, {**context, "intro": text.intro if text is not None else ""}


def preview(kind: EmailKind, *, subject: str, intro: str) -> Preview:
    shown_subject = fill(subject or gettext(kind.default_subject), kind.sample)
    text_body, html_body = render_email(
        kind.kind, {**kind.sample, "subject": shown_subject, "intro": intro}
    )
    return Preview(shown_subject, text_body, html_body)


async def save_text(
    session: AsyncSession,
    *,
    actor: User,
    kind: str,
    subject: str,
    intro: str,
    translations: Translations | None = None,
) -> EmailText:
    """The marketer's wording, and its translations (read in each recipient's language)."""
    access_kind(kind)
    for language, texts in (translations or {}).items():
        if LINE_BREAK.search(texts.get("subject", "")):
            raise InvalidEmailText(
                input_name(language, "subject"), "Keep the subject on one line: no line breaks."
            )
    if len(subject) > 300:
        raise InvalidEmailText("subject", N_("Keep the subject under 300 characters."))
    if LINE_BREAK.search(subject):
        raise InvalidEmailText("subject", N_("Keep the subject on one line: no line breaks."))
    if len(intro) > 1000:
        raise InvalidEmailText("intro", N_("Keep the opening paragraph under 1,000 characters."))
    text = await session.get(EmailText, kind)
    before = {"subject": text.subject_source, "intro": text.intro_source} if text else None
    if text is None:
        text = EmailText(kind=kind)
        session.add(text)
    text.subject, text.intro = subject.strip(), intro.strip()
    text.translations = dict(translations or {})
    await session.flush()
    session.info.pop("email_texts", None)
    await audit.record(
        session,
        actor=actor,
        action="emails.text_changed",
        target_type="email_kind",
        target_id=None,
        summary=f"Wording of the {KINDS[kind].label} email",
        before=before,
        after={"subject": text.subject_source, "intro": text.intro_source},
    )
    return text
