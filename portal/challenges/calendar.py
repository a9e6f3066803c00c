"""An `attend_event` challenge as an iCalendar file (RFC 5545, written by `icalendar`): the
advocate's calendar shows the event at its instant in their own zone."""

from datetime import timedelta

from icalendar import Calendar, Event

from portal import links
from portal.challenges.models import Challenge

# Events name their start only; a calendar entry needs an end.
EVENT_LENGTH = timedelta(hours=1)
MEDIA_TYPE = "text/calendar; charset=utf-8"


def filename(challenge: Challenge) -> str:
    return f"event-{challenge.id}.ics"


def event_ics(challenge: Challenge, *, host: str) -> bytes | None:
    """The event as an .ics file; None when the challenge names no start."""
    start = challenge.event_at
    if start is None:
        return None
    calendar = Calendar()
    calendar.add("prodid", "-//Advocate Portal//Events//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    # Stable per challenge, so importing it again updates the entry instead of copying it.
    event.add("uid", f"challenge-{challenge.id}@{host}")
    event.add("dtstamp", challenge.updated_at)
    event.add("dtstart", start)
    event.add("dtend", start + EVENT_LENGTH)
    event.add("summary", challenge.title)
    link = links.absolute_url("challenges:detail", challenge_id=challenge.id)
    event.add("description", "\n\n".join(part for part in (challenge.summary, link) if part))
    event.add("url", link)
    if place := challenge.settings.get("place"):
        event.add("location", place)
    elif online := challenge.settings.get("event_link"):
        event.add("location", online)
    calendar.add_component(event)
    return bytes(calendar.to_ical())
