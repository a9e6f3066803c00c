"""What every email of one kind shares, looked up once (`Ready`), and what each recipient's
account adds to it (their zone and language, read for a whole batch in one statement)."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import i18n, zones
from portal.clock import utcnow
from portal.outbox import preferences, texts
from portal.outbox.kinds import KINDS, fill
from portal.outbox.models import EmailCategory, EmailStatus, EmailText
from portal.outbox.render import render_email
from portal.people.models import User
from portal.program import service as program


@dataclass(frozen=True)
class Recipient:
    """What an email reads from its recipient's account: dates in their zone, words in their
    language (each empty when they chose none)."""

    time_zone: str
    language: str


async def recipients(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, Recipient]:
    """The accounts of a batch of emails, in one statement."""
    rows = await session.execute(
        select(User.id, User.time_zone, User.language).where(User.id.in_(set(user_ids)))
    )
    return {user_id: Recipient(zone, language) for user_id, zone, language in rows}


@dataclass(frozen=True)
class Ready:
    """What every email of one kind and category shares, looked up once: the program's name
    and tagline, the marketer's wording for the kind."""

    kind: str
    category: EmailCategory | None
    program: dict[str, Any]
    text: EmailText | None
    program_zone: str
    program_language: str

    @classmethod
    async def of(cls, session: AsyncSession, kind: str, category: EmailCategory | None) -> "Ready":
        config = await program.load_once(session)
        named = {"program_name": config.program_name, "tagline": config.tagline}
        text = await texts.text_for(session, kind)
        return cls(kind, category, named, text, config.zone_name, config.language_code)

    async def row(
        self,
        session: AsyncSession,
        *,
        to: str,
        user_id: int | None,
        recipient: Recipient | None,
        context: dict[str, Any],
        subject: str | None = None,
    ) -> dict[str, Any]:
        """One email's outbox row (rendered; not yet written), for a person who has not
        switched its category off; `recipient` is their account's zone and language (None:
        no account yet)."""
        headers: dict[str, str] = {}
        context = {**self.program, **context}
        # The email is written in the recipient's language and dates are read in their zone
        # (the program's for someone who chose none, or who has no account yet).
        zone = zones.person_zone(recipient.time_zone if recipient else "", self.program_zone)
        language = i18n.choose(
            own=recipient.language if recipient else "", program=self.program_language
        )
        if self.category is not None:
            assert user_id is not None  # noqa: S101 (the callers check it)
            link = await preferences.unsubscribe_url(
                session, user_id=user_id, category=self.category
            )
            headers = {
                "List-Unsubscribe": f"<{link}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            }
            context |= {"unsubscribe_url": link}
        with i18n.using(language):
            if self.category is not None:
                # English reads the category inside a sentence, lower-case; German keeps its
                # nouns' capitals, so a translation says where the label's case changes.
                context["category_label"] = self.category.label
            default_subject = i18n.gettext(KINDS[self.kind].default_subject)
            subject, context = texts.compose(
                self.kind,
                subject=fill(default_subject, context) if subject is None else subject,
                context=context,
                text=self.text,
            )
            text_body, html_body = render_email(
                self.kind, {"subject": subject, **context, "viewer_zone": zone}
            )
            if self.category is not None:
                text_body += "\n--\n" + i18n.gettext(
                    "You get this because %(category)s emails are on. To stop them: %(link)s"
                ) % {
                    "category": i18n.in_sentence(self.category.label),
                    "link": context["unsubscribe_url"],
                }
                text_body += "\n"
        return {
            "user_id": user_id,
            "to_address": to,
            "subject": subject,
            "text_body": text_body,
            "html_body": html_body,
            "headers": headers,
            "kind": self.kind,
            "status": EmailStatus.PENDING,
            "next_attempt_at": utcnow(),
        }
