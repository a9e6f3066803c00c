"""Every email speaks its recipient's language: a German advocate's email is German from the
subject to the footer, an English one's stays English."""

import re

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import i18n
from portal.notifications.models import Notification
from portal.outbox.kinds import KINDS, fill
from portal.outbox.models import EmailCategory, OutboxEmail
from portal.outbox.render import render_email
from portal.outbox.service import queue_email
from portal.rewards import service as rewards
from tests.factories import give_points, make_advocate, make_marketer, make_reward

SHIPPING = {
    "name": "Tom",
    "street": "Alpenstraße 1",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "Germany",
    "phone": "",
}
# Words only German text has: a German email without any of them was not translated.
GERMAN = re.compile(r"\b(?:Sie|Ihr|Ihre|Ihren|Ihnen|Hallo|Der|Die|Zur|Zum|öffnen|Woche)\b")
# English sentences of the templates' own (not the sample's): none may survive in German.
ENGLISH = re.compile(r"\b(?:Hi|you|your|the|Or paste this link)\b")


def _rendered(kind: str) -> tuple[str, str, str]:
    email_kind = KINDS[kind]
    subject = fill(i18n.gettext(email_kind.default_subject), email_kind.sample)
    text, html = render_email(kind, {**email_kind.sample, "subject": subject, "intro": ""})
    return subject, text, html


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_email_kind_is_written_in_german_for_a_german_reader(kind: str) -> None:
    with i18n.using("en"):
        english = _rendered(kind)
    with i18n.using("de"):
        subject, text, html = _rendered(kind)
    assert (text, html) != english[1:]
    # A broadcast or a sequence step is the marketer's own text around the button.
    if kind not in ("broadcast", "sequence_step"):
        assert GERMAN.search(text), text
    assert GERMAN.search(re.sub(r"<[^>]+>", " ", html)), html
    sample_words = " ".join(str(value) for value in KINDS[kind].sample.values())
    leftovers = [word for word in ENGLISH.findall(text) if word not in sample_words]
    assert leftovers == [], text
    if KINDS[kind].default_subject != subject and english[0] != subject:
        assert subject != english[0]


async def test_the_outbox_writes_each_recipients_email_in_their_language(
    session: AsyncSession,
) -> None:
    german = await make_advocate(session, email="tom@alpenbank.example")
    english = await make_advocate(session, email="ellen@example.com")
    german.language, english.language = "de", "en"
    for person in (german, english):
        await queue_email(
            session,
            to=person.email,
            user_id=person.id,
            kind="challenge_ending",
            category=EmailCategory.CHALLENGES,
            context={
                "name": person.display_name,
                "challenge": "Review us",
                "points": 1500,
                "ends_in": "Ends in 2 days",
                "link": "https://portal.example/challenges/1",
            },
        )
    emails = {e.to_address: e for e in await session.scalars(select(OutboxEmail))}
    tom = emails["tom@alpenbank.example"]
    assert tom.subject == "Endet bald: Review us (1500 Punkte)"
    assert f"Hallo {german.display_name}," in tom.text_body
    assert "Sie können damit noch 1.500 Punkte sammeln." in tom.text_body
    assert "Challenge annehmen" in tom.html_body
    assert "Oder fügen Sie diesen Link in Ihren Browser ein:" in tom.html_body
    assert "Sie erhalten diese E-Mail wegen Ihres Kontos" in tom.html_body
    ellen = emails["ellen@example.com"]
    assert ellen.subject == "Ends soon: Review us (1500 points)"
    assert "It's still worth 1,500 points to you." in ellen.text_body
    assert "Take the challenge" in ellen.html_body


async def test_a_redemption_decided_by_an_english_marketer_reaches_a_german_advocate_in_german(
    session: AsyncSession,
) -> None:
    advocate = await make_advocate(session, email="tom@alpenbank.example")
    advocate.language = "de"
    marketer = await make_marketer(session)
    marketer.language = "en"
    await give_points(session, advocate, 2_000)
    reward = await make_reward(session, title="Hoodie", inventory=3)
    redemption = await rewards.request_redemption(
        session, user=advocate, reward_id=reward.id, key="de-1", shipping=SHIPPING
    )
    with i18n.using("en"):  # the marketer's request speaks English
        await rewards.approve_redemption(session, staff=marketer, redemption_id=redemption.id)
    bell = await session.scalar(
        select(Notification.title).where(
            Notification.user_id == advocate.id, Notification.kind == "redemption_status"
        )
    )
    assert bell == "Ihre Einlösung von „Hoodie“ ist freigegeben"
    email = await session.scalar(select(OutboxEmail).where(OutboxEmail.kind == "redemption_status"))
    assert email is not None
    assert "Ihre Einlösung von „Hoodie“ ist freigegeben." in email.text_body
    assert "Zu Ihrer Einlösung:" in email.text_body


async def test_each_staff_member_reads_a_stock_alert_in_their_own_language(
    session: AsyncSession,
) -> None:
    greta = await make_marketer(session, email="greta@example.com")
    ellen = await make_marketer(session, email="ellen@example.com")
    greta.language, ellen.language = "de", "en"
    advocate = await make_advocate(session)
    await give_points(session, advocate, 2_000)
    reward = await make_reward(session, title="Hoodie", inventory=1)
    await rewards.request_redemption(
        session, user=advocate, reward_id=reward.id, key="last", shipping=SHIPPING
    )
    told = dict(
        (
            await session.execute(
                select(Notification.user_id, Notification.title).where(
                    Notification.kind == "reward_stock"
                )
            )
        ).all()
    )
    assert told[greta.id] == "Hoodie ist ausverkauft"
    assert told[ellen.id] == "Hoodie has run out"
    email = await session.scalar(
        select(OutboxEmail).where(
            OutboxEmail.kind == "reward_stock", OutboxEmail.to_address == greta.email
        )
    )
    assert email is not None
    assert "wenn Sie den Bestand aufstocken" in email.text_body
