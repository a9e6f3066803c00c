"""Dates typed and read in each person's time zone, around the clock changes of 2026: Berlin
and Los Angeles leave summer time on 25 October and 1 November, Auckland enters it on 27
September. Storage stays UTC."""

from datetime import UTC, datetime

import httpx
from bs4 import BeautifulSoup
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.challenges import service as challenges
from portal.challenges.models import Challenge, ChallengeType
from portal.outbox.models import OutboxEmail
from portal.outbox.service import build_message
from tests.factories import login_as, make_advocate, make_challenge, make_marketer, post_form

EVENT_FORM = {
    "title": "Meetup in Berlin",
    "summary": "Drinks and demos",
    "body": "Come and meet the team.",
    "type": "attend_event",
    "points": "100",
    "status": "published",
    "approval": "manual",
    "max_per_user": "1",
    "max_total": "",
    "starts_at": "",
    "place": "Acme HQ, Berlin",
    "event_link": "",
}


def _text(response: httpx.Response, selector: str) -> str:
    found = BeautifulSoup(response.text, "html.parser").select_one(selector)
    assert found is not None, response.text
    return " ".join(found.get_text().split())


async def test_a_marketer_in_berlin_types_times_that_advocates_elsewhere_read_in_theirs(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    marketer.time_zone = "Europe/Berlin"
    await login_as(client, marketer)
    # After Berlin's clocks went back (CET, UTC+1) but before Los Angeles' (still PDT, UTC-7).
    created = await post_form(
        client,
        "/manage/challenges/new",
        {**EVENT_FORM, "event_at": "2026-10-28T18:00", "ends_at": "2026-11-01T23:59"},
    )
    assert created.status_code == 303, created.text
    challenge = await session.scalar(select(Challenge).execution_options(populate_existing=True))
    assert challenge is not None
    assert challenge.event_at == datetime(2026, 10, 28, 17, 0, tzinfo=UTC)
    assert challenge.ends_at == datetime(2026, 11, 1, 22, 59, tzinfo=UTC)
    editing = await client.get(f"/manage/challenges/{challenge.id}")
    page = BeautifulSoup(editing.text, "html.parser")
    assert page.select_one("#f-ends_at")["value"] == "2026-11-01T23:59"  # as she typed it
    assert page.select_one("#f-event_at")["value"] == "2026-10-28T18:00"

    for zone, when, until in (
        ("America/Los_Angeles", "28 Oct 2026, 10:00 PDT", "01 Nov 2026, 14:59 PST"),
        ("Pacific/Auckland", "29 Oct 2026, 06:00 NZDT", "02 Nov 2026, 11:59 NZDT"),
        ("Europe/Berlin", "28 Oct 2026, 18:00 CET", "01 Nov 2026, 23:59 CET"),
    ):
        advocate = await make_advocate(session)
        advocate.time_zone = zone
        await session.flush()
        client.cookies.clear()
        await login_as(client, advocate)
        detail = await client.get(f"/challenges/{challenge.id}")
        assert _text(detail, "#event-when").startswith(when), zone
        assert _text(detail, "#challenge-deadline") == f"· until {until}", zone


async def test_an_attend_event_challenge_downloads_as_a_calendar_file(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    challenge = await make_challenge(
        session,
        type=ChallengeType.ATTEND_EVENT,
        title="Customer evening",
        settings={
            "event_at": "2026-10-28T17:00:00+00:00",
            "place": "Acme HQ, Berlin",
            "event_link": "",
        },
    )
    advocate = await make_advocate(session)
    advocate.time_zone = "Pacific/Auckland"
    await login_as(client, advocate)
    response = await client.get(f"/challenges/{challenge.id}/event.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert "attachment" in response.headers["content-disposition"]
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2026, 10, 28, 17, 0, tzinfo=UTC)
    assert str(event["summary"]) == "Customer evening"
    assert str(event["location"]) == "Acme HQ, Berlin"

    other = await make_challenge(session, type=ChallengeType.CUSTOM)
    assert (await client.get(f"/challenges/{other.id}/event.ics")).status_code == 404


async def test_an_event_saved_before_time_zones_reads_as_utc(session: AsyncSession) -> None:
    challenge = await make_challenge(session, type=ChallengeType.ATTEND_EVENT)  # "…T17:00"
    assert challenge.event_at == datetime(2026, 12, 10, 17, 0, tzinfo=UTC)


async def test_a_person_chooses_a_zone_on_home_or_in_the_profile_and_a_wrong_one_is_refused(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    advocate = await make_advocate(session)
    await login_as(client, advocate)
    home = await client.get("/")
    question = BeautifulSoup(home.text, "html.parser").select_one("#time-zone-question")
    assert question is not None
    assert question.select_one("option[selected]")["value"] == "UTC"  # the program's
    assert question.select_one("select[data-browser-zone]") is not None

    answered = await post_form(
        client, "/profile/time-zone", {"time_zone": "Pacific/Auckland"}, page="/"
    )
    assert answered.status_code == 303
    home = await client.get("/")
    assert BeautifulSoup(home.text, "html.parser").select_one("#time-zone-question") is None
    assert "Times are now shown in Pacific/Auckland." in home.text

    wrong = await post_form(
        client,
        "/profile",
        {"display_name": "Ada Lovelace", "company": "", "job_title": "", "time_zone": "Mars/Base"},
    )
    assert wrong.status_code == 422
    assert "Choose a time zone from the list" in wrong.text
    await session.refresh(advocate)
    assert advocate.time_zone == "Pacific/Auckland"
    saved = await post_form(
        client,
        "/profile",
        {"display_name": "Ada Lovelace", "company": "", "job_title": "", "time_zone": ""},
    )
    assert saved.status_code == 303
    await session.refresh(advocate)
    assert advocate.time_zone == ""  # the program's again


async def test_saying_i_will_attend_emails_the_event_with_its_calendar_file(
    session: AsyncSession,
) -> None:
    challenge = await make_challenge(
        session,
        type=ChallengeType.ATTEND_EVENT,
        title="Customer evening",
        settings={
            "event_at": "2026-10-28T17:00:00+00:00",
            "place": "Acme HQ, Berlin",
            "event_link": "",
        },
    )
    advocate = await make_advocate(session)
    advocate.time_zone = "America/Los_Angeles"
    await challenges.submit_entry(
        session, user=advocate, challenge_id=challenge.id, key="attend-1", response={}
    )
    email = await session.scalar(select(OutboxEmail).where(OutboxEmail.kind == "event_invite"))
    assert email is not None
    assert email.to_address == advocate.email
    assert "When: 28 Oct 2026, 10:00 PDT" in email.text_body
    message = build_message(email, sender="portal@acme.example", message_domain="acme.example")
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == f"event-{challenge.id}.ics"
    [event] = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2026, 10, 28, 17, 0, tzinfo=UTC)
