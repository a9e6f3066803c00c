"""What the portal writes now and people read later (the bell, the activity feed) is read in
each reader's language; the English stays in its column for exports and search."""

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import i18n
from portal.notifications.models import Notification
from portal.points.models import FeedItem
from portal.wording import N_plural, in_english, read, wording
from tests.factories import give_points, login_as, make_advocate


def test_a_wording_reads_in_the_language_in_force_with_numbers_and_plurals_its_way() -> None:
    stored = wording(
        N_plural("%(name)s has waited %(days)s day", "%(name)s has waited %(days)s days"),
        count=1200,
        name="Jana",
        days=1200,
    )
    assert in_english(stored) == "Jana has waited 1,200 days"
    with i18n.using("de"):
        assert read(stored, "fallback") == "Jana wartet seit 1.200 Tagen"
    one = wording(
        N_plural("%(name)s has waited %(days)s day", "%(name)s has waited %(days)s days"),
        count=1,
        name="Jana",
        days=1,
    )
    with i18n.using("de"):
        assert read(one, "") == "Jana wartet seit 1 Tag"
    stage = wording(
        "Still at %(stage)s. Move it on, or close it with a reason.",
        translated={"stage"},
        stage="Qualified",
    )
    with i18n.using("de"):
        assert read(stage, "") == (
            "Noch immer bei „Qualifiziert“. Bringen Sie sie weiter oder schließen Sie sie mit "
            "einem Grund ab."
        )


def test_a_row_from_before_wordings_or_a_wording_that_no_longer_fits_reads_its_english() -> None:
    assert read(None, "You reached Champion!") == "You reached Champion!"
    assert read({"message": "Hello %(who)s", "values": {}}, "Hello there") == "Hello there"


async def test_the_bell_and_the_feed_speak_each_readers_language(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    climber = await make_advocate(session, name="Lena Brandt", email="lena@example.de")
    await give_points(session, climber, 600)  # reaches Advocate (500)
    notification = await session.scalar(
        select(Notification).where(
            Notification.user_id == climber.id, Notification.kind == "level_reached"
        )
    )
    assert notification is not None
    assert notification.title_source == "You reached Advocate!"  # the English column
    feed = await session.scalar(select(FeedItem).where(FeedItem.user_id == climber.id))
    assert feed is not None
    assert feed.text == "reached Advocate"

    climber.language = "de"
    await session.flush()
    await login_as(client, climber)
    bell = BeautifulSoup((await client.get("/notifications/")).text, "html.parser")
    text = bell.get_text(" ", strip=True)
    assert "Sie haben Advocate erreicht!" in text
    assert "Bisher 600 Punkte gesammelt." in text
    assert "You reached" not in text

    reader = await make_advocate(session, name="Jonas Weber", email="jonas@example.de")
    reader.language = "de"
    await session.flush()
    client.cookies.clear()
    await login_as(client, reader)
    home = BeautifulSoup((await client.get("/")).text, "html.parser")
    news = home.select_one("#community-feed").get_text(" ", strip=True)
    assert "hat Advocate erreicht" in news

    english = await make_advocate(session, name="Ann Lee", email="ann@example.com")
    client.cookies.clear()
    await login_as(client, english)
    home = BeautifulSoup((await client.get("/")).text, "html.parser")
    assert "reached Advocate" in home.select_one("#community-feed").get_text(" ", strip=True)


def test_a_levels_multiplier_is_written_the_readers_way() -> None:
    from portal.points.models import Level

    champion = Level(name="Champion", min_points=2000, multiplier_percent=120)
    with i18n.using("de"):
        assert champion.multiplier_label == "\u00d71,2"
    with i18n.using("en"):
        assert champion.multiplier_label == "\u00d71.2"


async def test_ledger_reasons_read_in_the_readers_language_and_a_clawback_names_its_award(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    from portal.challenges import service as challenges
    from portal.challenges.models import ChallengeType
    from portal.points.models import LedgerEntry
    from tests.factories import make_challenge

    advocate = await make_advocate(session, name="Jana Roth", email="jana@example.de")
    challenge = await make_challenge(session, title="Tell a colleague", type=ChallengeType.CUSTOM)
    await challenges.submit_entry(
        session, user=advocate, challenge_id=challenge.id, response={"text": "Done"}, key="k1"
    )
    award = await session.scalar(select(LedgerEntry).where(LedgerEntry.user_id == advocate.id))
    assert award is not None
    assert award.reason_source == "Challenge completed: Tell a colleague"
    advocate.language = "de"
    await session.flush()

    await login_as(client, advocate)
    history = BeautifulSoup((await client.get("/points/")).text, "html.parser").get_text(" ")
    assert "Challenge abgeschlossen: Tell a colleague" in history
    home = BeautifulSoup((await client.get("/")).text, "html.parser")
    recent = home.select_one("#recent-activity").get_text(" ", strip=True)
    assert "Challenge abgeschlossen: Tell a colleague" in recent
    taken_back = wording("Taken back: %(reason)s", reason=award.reason_wording or "")
    with i18n.using("de"):
        assert read(taken_back, "") == "Zurückgebucht: Challenge abgeschlossen: Tell a colleague"
